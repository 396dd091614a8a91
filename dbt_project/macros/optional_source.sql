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
    {%- if existing is not none -%}
        select {{ columns.keys() | join(', ') }} from {{ source_relation }}
    {%- else -%}
        select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{% endmacro %}
