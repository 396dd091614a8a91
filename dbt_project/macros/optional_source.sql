{#- Selects from a raw table that exists only after its first file was ingested, or (before
    that) from an empty relation with the given typed columns, so a fresh `dbt build` passes.
    source() is called unconditionally so dbt records the lineage either way. -#}
{% macro optional_source(source_name, table_name, columns) %}
    {%- set source_relation = source(source_name, table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=source_relation.database,
            schema=source_relation.schema,
            identifier=source_relation.identifier
        ) -%}
    {%- endif -%}
    {#- A raw table created before its source gained a column (the ingest adds it with the
        next file) reads that column as null instead of failing the build. -#}
    {%- set present = [] -%}
    {%- if existing is not none -%}
        {%- set present = adapter.get_columns_in_relation(existing)
            | map(attribute='name') | map('lower') | list -%}
    {%- endif -%}
    select
    {%- for name, data_type in columns.items() %}
        {% if name | lower in present -%}
            {{ name }}
        {%- else -%}
            cast(null as {{ data_type }}) as {{ name }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
    {% if existing is not none -%}
        from {{ source_relation }}
    {%- else -%}
        where false
    {%- endif -%}
{% endmacro %}
