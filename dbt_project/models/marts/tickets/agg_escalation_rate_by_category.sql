-- From the additive measures (agg_ticket_measures_daily), where the rate is defined: the
-- analytics report re-aggregates the same columns for any date and agent selection.
with

measures as (
    select * from {{ ref('agg_ticket_measures_daily') }}
),

by_category as (
    select
        category,
        sum(ticket_count) as ticket_count,
        sum(escalation_known_count) as known_escalation_count,
        sum(escalated_ticket_count) as escalated_ticket_count,
        {{ rate_of_sums('escalated_ticket_count', 'escalation_known_count') }} as escalation_rate
    from measures
    group by category
),

overall as (
    select
        {{ rate_of_sums('escalated_ticket_count', 'escalation_known_count') }}
            as overall_escalation_rate
    from measures
),

final as (
    select
        cast(by_category.category as varchar) as category,
        cast(by_category.ticket_count as bigint) as ticket_count,
        cast(by_category.known_escalation_count as bigint) as known_escalation_count,
        cast(by_category.escalated_ticket_count as bigint) as escalated_ticket_count,
        cast(by_category.escalation_rate as double) as escalation_rate,
        cast(overall.overall_escalation_rate as double) as overall_escalation_rate
    from by_category
    cross join overall
)

select * from final
