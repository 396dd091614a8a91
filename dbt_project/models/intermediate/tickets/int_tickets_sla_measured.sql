with

tickets as (
    select * from {{ ref('int_tickets_deduplicated') }}
),

calendar as (
    select * from {{ ref('int_business_days_accumulated') }}
),

sla_targets as (
    select * from {{ ref('sla_targets') }}
),

priority_levels as (
    select * from {{ ref('priority_levels') }}
),

targets as (
    -- Keyed on priority_rank so the join with every ticket hashes an integer.
    select
        priority_levels.priority_rank,
        sla_targets.first_response_target_minutes,
        sla_targets.resolution_target_minutes
    from sla_targets
    inner join priority_levels on sla_targets.priority = priority_levels.priority
),

measured as (
    -- Business minutes between two timestamps = odometer(later) - odometer(earlier), each
    -- odometer read by one equi-join on (queue, date): no per-ticket expansion into days.
    select
        tickets.*,
        targets.first_response_target_minutes,
        targets.resolution_target_minutes,
        {{ business_minute_odometer('tickets.first_response_at', 'response_day') }}
        - {{ business_minute_odometer('tickets.created_at', 'created_day') }}
            as business_first_response_minutes,
        {{ business_minute_odometer('tickets.resolved_at', 'resolved_day') }}
        - {{ business_minute_odometer('tickets.created_at', 'created_day') }}
            as business_resolution_minutes
    from tickets
    left join targets on tickets.priority_rank = targets.priority_rank
    left join calendar as created_day
        on
            tickets.queue_number = created_day.queue_number
            and cast(tickets.created_at as date) = created_day.calendar_date
    left join calendar as response_day
        on
            tickets.queue_number = response_day.queue_number
            and cast(tickets.first_response_at as date) = response_day.calendar_date
    left join calendar as resolved_day
        on
            tickets.queue_number = resolved_day.queue_number
            and cast(tickets.resolved_at as date) = resolved_day.calendar_date
),

evaluated as (
    -- A flag is null when it cannot be judged: no valid priority, or the ticket has no
    -- response/resolution yet (an open ticket has not met or missed its SLA so far).
    select
        *,
        first_response_minutes <= first_response_target_minutes as is_first_response_sla_met,
        resolution_minutes <= resolution_target_minutes as is_resolution_sla_met,
        business_first_response_minutes
        <= first_response_target_minutes as is_first_response_sla_met_in_business_hours,
        business_resolution_minutes
        <= resolution_target_minutes as is_resolution_sla_met_in_business_hours
    from measured
)

select * from evaluated
