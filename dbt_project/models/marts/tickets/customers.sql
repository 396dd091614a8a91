with

tickets as (
    select * from {{ ref('tickets') }}
),

customers as (
    select
        customer_id,
        count(*) as ticket_count,
        {{ count_true('not is_resolved') }} as open_ticket_count,
        {{ count_true('is_escalated') }} as escalated_ticket_count,
        {{ count_true('is_reopened') }} as reopened_ticket_count,
        min(created_at) as first_ticket_at,
        max(created_at) as last_ticket_at,
        avg(resolution_minutes) as mean_resolution_minutes,
        count(satisfaction_score) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score
    from tickets
    where customer_id is not null
    group by customer_id
),

final as (
    select
        cast(customer_id as varchar) as customer_id,
        cast(ticket_count as bigint) as ticket_count,
        cast(open_ticket_count as bigint) as open_ticket_count,
        cast(escalated_ticket_count as bigint) as escalated_ticket_count,
        cast(reopened_ticket_count as bigint) as reopened_ticket_count,
        cast(first_ticket_at as timestamp) as first_ticket_at,
        cast(last_ticket_at as timestamp) as last_ticket_at,
        cast(mean_resolution_minutes as double) as mean_resolution_minutes,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(mean_satisfaction_score as double) as mean_satisfaction_score
    from customers
)

select * from final
