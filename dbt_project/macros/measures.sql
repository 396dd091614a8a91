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


{#- A rate over cells of agg_ticket_measures_daily: sum(numerator) / sum(denominator), null when
    nothing is known. share_true's rule re-aggregated from counts, the one way every roll-up
    (and the analytics report, supportlake/analytics/queries.py) computes a rate or mean. -#}
{% macro rate_of_sums(numerator, denominator) -%}
    sum({{ numerator }}) / nullif(sum({{ denominator }}), 0)
{%- endmacro %}


{#- Exact continuous percentile over the sorted duration lists of several measure cells. -#}
{% macro percentile_of_lists(values, fraction) -%}
    list_aggregate(flatten(list({{ values }})), 'quantile_cont', {{ fraction }})
{%- endmacro %}
