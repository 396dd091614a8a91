with

tickets as (
    select * from {{ ref('tickets') }}
),

by_category as (
    select
        coalesce(category, 'Unknown') as category,
        count(*) as ticket_count,
        count(is_escalated) as known_escalation_count,
        {{ count_true('is_escalated') }} as escalated_ticket_count,
        {{ share_true('is_escalated') }} as escalation_rate
    from tickets
    group by coalesce(category, 'Unknown')
),

overall as (
    select {{ share_true('is_escalated') }} as overall_escalation_rate
    from tickets
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
