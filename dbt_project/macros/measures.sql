{#- Share of rows where a boolean is true, among rows where it is known (nulls are left out,
    so "not judged yet" never counts as a miss). Null when nothing is known. -#}
{% macro share_true(condition) -%}
    avg(case when {{ condition }} then 1.0 when not {{ condition }} then 0.0 end)
{%- endmacro %}


{#- Rows where a condition holds: count_if, written the portable way. -#}
{% macro count_true(condition) -%}
    count(case when {{ condition }} then 1 end)
{%- endmacro %}


{#- Continuous percentile (0.5 = median), in standard ordered-set syntax. -#}
{% macro percentile(column, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ column }})
{%- endmacro %}
