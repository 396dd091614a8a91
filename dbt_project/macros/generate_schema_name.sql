{#- Use the folder's schema name as is (staging, marts, ...), not <target>_<schema>:
    BI users and the ml jobs address marts.tickets, never main_marts.tickets. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
