with

tickets as (
    select * from {{ ref('tickets') }}
),

by_priority_queue as (
    -- Rates are shares of the tickets that can be judged (responded / resolved, with a valid
    -- priority); open tickets have not met or missed their SLA yet.
    select
        coalesce(priority, 'Unknown') as priority,
        coalesce(queue, 'Unknown') as queue,
        count(*) as ticket_count,
        count(is_first_response_sla_met) as first_response_judged_count,
        {{ share_true('is_first_response_sla_met') }} as first_response_sla_rate,
        {{ share_true('is_first_response_sla_met_in_business_hours') }}
            as first_response_sla_rate_in_business_hours,
        count(is_resolution_sla_met) as resolution_judged_count,
        {{ count_true('not is_resolution_sla_met') }} as resolution_sla_missed_count,
        {{ share_true('is_resolution_sla_met') }} as resolution_sla_rate,
        {{ count_true('not is_resolution_sla_met_in_business_hours') }}
            as resolution_sla_missed_in_business_hours_count,
        {{ share_true('is_resolution_sla_met_in_business_hours') }}
            as resolution_sla_rate_in_business_hours
    from tickets
    group by coalesce(priority, 'Unknown'), coalesce(queue, 'Unknown')
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
