with

tickets as (
    select * from {{ ref('tickets') }}
),

by_priority as (
    select
        coalesce(priority, 'Unknown') as priority,
        count(*) as ticket_count,
        count(first_response_minutes) as responded_ticket_count,
        avg(first_response_minutes) as mean_first_response_minutes,
        {{ percentile('first_response_minutes', 0.5) }} as median_first_response_minutes,
        {{ percentile('first_response_minutes', 0.9) }} as p90_first_response_minutes,
        {{ percentile('business_first_response_minutes', 0.5) }}
            as median_business_first_response_minutes,
        max(first_response_target_minutes) as first_response_target_minutes,
        {{ share_true('is_first_response_sla_met') }} as first_response_sla_rate,
        {{ share_true('is_first_response_sla_met_in_business_hours') }}
            as first_response_sla_rate_in_business_hours
    from tickets
    group by coalesce(priority, 'Unknown')
),

final as (
    select
        cast(priority as varchar) as priority,
        cast(ticket_count as bigint) as ticket_count,
        cast(responded_ticket_count as bigint) as responded_ticket_count,
        cast(mean_first_response_minutes as double) as mean_first_response_minutes,
        cast(median_first_response_minutes as double) as median_first_response_minutes,
        cast(p90_first_response_minutes as double) as p90_first_response_minutes,
        cast(
            median_business_first_response_minutes as double
        ) as median_business_first_response_minutes,
        cast(first_response_target_minutes as integer) as first_response_target_minutes,
        cast(first_response_sla_rate as double) as first_response_sla_rate,
        cast(
            first_response_sla_rate_in_business_hours as double
        ) as first_response_sla_rate_in_business_hours
    from by_priority
)

select * from final
