{#- `unique` for a mart built incrementally by load (it has _loaded_at): the values of the rows
    loaded since the last successful build (build_state.built_loads, which the build records
    after its tests pass) are checked against every row, so a new row that repeats an old
    value fails as it would under `unique`, while the rows already checked are not grouped
    again: the test's cost follows the new rows. Every row is checked on a full refresh and in
    a warehouse with no build recorded (dbt run by hand, CI). -#}
{% test unique_since_last_build(model, column_name) %}
{%- set built = none -%}
{%- if execute and not flags.FULL_REFRESH -%}
    {%- set built = adapter.get_relation(
        database=model.database, schema='build_state', identifier='built_loads'
    ) -%}
{%- endif %}

with

{% if built is not none -%}
checked_before as (
    select coalesce(max(manifest.loaded_at), cast('0001-01-01' as timestamp)) as loaded_at
    from {{ source('helpdesk', 'load_manifest') }} as manifest
    inner join {{ built }} as built_loads on manifest.load_id = built_loads.load_id
),

new_values as (
    select {{ column_name }} as value
    from {{ model }}
    where
        _loaded_at > (select checked_before.loaded_at from checked_before)
        -- rows without a load (graph_edges' topic and article edges) are written every build
        or _loaded_at is null
),
{%- endif %}

repeated as (
    select
        {{ column_name }} as value,
        count(*) as occurrences
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if built is not none %}
            and {{ column_name }} in (select new_values.value from new_values)
        {%- endif %}
    group by {{ column_name }}
    having count(*) > 1
)

select * from repeated

{% endtest %}
