-- From the additive measures (agg_ticket_measures_daily), where CSAT is defined: the
-- analytics report re-aggregates the same columns for any date and agent selection.
{%- set drivers = {
    'category': 'category',
    'channel': 'channel',
    'agent': "coalesce(agent_id, 'Unknown')",
    'priority': 'priority',
} %}

with

measures as (
    select * from {{ ref('agg_ticket_measures_daily') }}
),

by_driver as (
    -- One long table instead of one per driver, so a BI tool filters on `driver`; values
    -- without a rated ticket are left out.
    {%- for driver, value in drivers.items() %}
        select
            '{{ driver }}' as driver,
            {{ value }} as driver_value,
            sum(rated_ticket_count) as rated_ticket_count,
            sum(satisfaction_score_sum) / sum(rated_ticket_count) as mean_satisfaction_score,
            sum(satisfied_ticket_count) / sum(rated_ticket_count) as satisfied_rate
        from measures
        group by {{ value }}
        having sum(rated_ticket_count) > 0
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}
),

final as (
    select
        cast(driver as varchar) as driver,
        cast(driver_value as varchar) as driver_value,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(mean_satisfaction_score as double) as mean_satisfaction_score,
        cast(satisfied_rate as double) as satisfied_rate
    from by_driver
)

select * from final
