{#- Fails on each row where a floating-point column holds NaN or +/-infinity (nulls pass). A
    non-finite value poisons every mean and percentile it meets (NaN >= 0 is true in DuckDB), so
    a roll-up holding one is wrong, not merely incomplete. Model-level: it checks every DOUBLE,
    FLOAT or REAL column the relation has when the test runs, so a KPI added later is covered
    too; non_finite_columns names the offending columns of each failing row. -#}
{% test finite_measures(model) %}

    {%- set measures = floating_point_columns(model) if execute else [] %}

select
    concat_ws(
        ',',
        {% for measure in measures -%}
            case when not isfinite({{ adapter.quote(measure) }}) then '{{ measure }}' end,
        {% endfor -%}
        null
    ) as non_finite_columns,
    *
from {{ model }}
where
    false
    {%- for measure in measures %}
    or not isfinite({{ adapter.quote(measure) }})
    {%- endfor %}

{% endtest %}


{#- Names of the DOUBLE, FLOAT and REAL columns of a relation, as the warehouse has them. -#}
{% macro floating_point_columns(relation) %}
    {%- set names = [] %}
    {%- for column in adapter.get_columns_in_relation(relation) %}
        {%- if column.dtype | upper in ('DOUBLE', 'FLOAT', 'REAL') %}
            {%- do names.append(column.name) %}
        {%- endif %}
    {%- endfor %}
    {{- return(names) }}
{% endmacro %}
