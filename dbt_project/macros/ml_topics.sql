{#- Selects from a Python-written ml table, or (before the first topics run has created it)
    from an empty relation with the same typed columns, so a full `dbt build` of a fresh
    warehouse succeeds and the topic marts are simply empty until `supportlake topics` runs.
    source() is called unconditionally so dbt records the lineage either way. -#}
{% macro ml_topics_source(table_name, columns) %}
    {%- set source_relation = source('ml_topics', table_name) -%}
    {%- set existing = none -%}
    {%- if execute -%}
        {%- set existing = adapter.get_relation(
            database=source_relation.database,
            schema=source_relation.schema,
            identifier=source_relation.identifier
        ) -%}
    {%- endif -%}
    {%- if existing is not none -%}
        select * from {{ source_relation }}
    {%- else -%}
        select
        {%- for name, data_type in columns.items() %}
            cast(null as {{ data_type }}) as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
        where false
    {%- endif -%}
{% endmacro %}
