with

tickets as (
    select * from {{ ref('tickets') }}
),

daily as (
    select
        created_date,
        count(*) as ticket_count,
        {{ count_true('is_escalated') }} as escalated_ticket_count,
        {{ count_true("priority = 'Urgent'") }} as urgent_ticket_count
    from tickets
    where created_date is not null
    group by created_date
),

final as (
    select
        cast(created_date as date) as created_date,
        cast(ticket_count as bigint) as ticket_count,
        cast(escalated_ticket_count as bigint) as escalated_ticket_count,
        cast(urgent_ticket_count as bigint) as urgent_ticket_count
    from daily
)

select * from final
