-- From the additive measures (agg_ticket_measures_daily), where the rates are defined: shares
-- of the tickets that can be judged (responded / resolved, with a valid priority); open
-- tickets have not met or missed their SLA yet. The analytics report re-aggregates the same
-- columns for any date and agent selection.
with

measures as (
    select * from {{ ref('agg_ticket_measures_daily') }}
),

by_priority_queue as (
    select
        priority,
        queue,
        sum(ticket_count) as ticket_count,
        sum(first_response_judged_count) as first_response_judged_count,
        {{ rate_of_sums('first_response_sla_met_count', 'first_response_judged_count') }}
            as first_response_sla_rate,
        {{
            rate_of_sums(
                'first_response_sla_met_in_business_hours_count',
                'first_response_judged_in_business_hours_count'
            )
        }}
            as first_response_sla_rate_in_business_hours,
        sum(resolution_judged_count) as resolution_judged_count,
        sum(resolution_judged_count - resolution_sla_met_count) as resolution_sla_missed_count,
        {{ rate_of_sums('resolution_sla_met_count', 'resolution_judged_count') }}
            as resolution_sla_rate,
        sum(resolution_judged_in_business_hours_count - resolution_sla_met_in_business_hours_count)
            as resolution_sla_missed_in_business_hours_count,
        {{
            rate_of_sums(
                'resolution_sla_met_in_business_hours_count',
                'resolution_judged_in_business_hours_count'
            )
        }}
            as resolution_sla_rate_in_business_hours
    from measures
    group by priority, queue
),

final as (
    select
        cast(priority as varchar) as priority,
        cast(queue as varchar) as queue,
        cast(ticket_count as bigint) as ticket_count,
        cast(first_response_judged_count as bigint) as first_response_judged_count,
        cast(first_response_sla_rate as double) as first_response_sla_rate,
        cast(
            first_response_sla_rate_in_business_hours as double
        ) as first_response_sla_rate_in_business_hours,
        cast(resolution_judged_count as bigint) as resolution_judged_count,
        cast(resolution_sla_missed_count as bigint) as resolution_sla_missed_count,
        cast(resolution_sla_rate as double) as resolution_sla_rate,
        cast(
            resolution_sla_missed_in_business_hours_count as bigint
        ) as resolution_sla_missed_in_business_hours_count,
        cast(
            resolution_sla_rate_in_business_hours as double
        ) as resolution_sla_rate_in_business_hours
    from by_priority_queue
)

select * from final
