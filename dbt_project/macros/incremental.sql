{#- The newest _loaded_at an incremental model holds, as a timestamp literal (read when the
    model is compiled, so the filter it goes into can skip old row groups); a timestamp before
    every load when the model is empty. -#}
{% macro newest_loaded_at(relation) -%}
    {%- set newest = none -%}
    {%- if execute -%}
        {%- set answer = run_query('select max(_loaded_at) from ' ~ relation) -%}
        {%- set newest = answer.columns[0].values()[0] -%}
    {%- endif -%}
    cast('{{ newest if newest is not none else "0001-01-01 00:00:00" }}' as timestamp)
{%- endmacro %}
