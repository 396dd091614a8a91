{#- A view: int_ticket_field_periods with each current period measured up to the newest event
    in the warehouse, computed when read, so the stored periods of open tickets stay as they
    are when other tickets' events load. -#}
{{ config(materialized='view') }}

with

periods as (
    select * from {{ ref('int_ticket_field_periods') }}
),

schedule_windows as (
    select * from {{ ref('int_schedule_windows') }}
),

history_known_until as (
    -- The moment up to which the history is known: the newest trusted event.
    select max(occurred_at) as known_until
    from {{ ref('int_ticket_events_conformed') }}
    where is_trusted
),

schedules_now as (
    -- Each schedule's odometer at that moment: one ASOF lookup per schedule.
    select
        schedules.schedule,
        {{ schedule_odometer('known.known_until', 'known_window') }} as known_odometer
    from (select distinct schedule from schedule_windows) as schedules
    cross join history_known_until as known
    asof left join schedule_windows as known_window
        on
            schedules.schedule = known_window.schedule
            and known.known_until >= known_window.window_start
)

select
    periods.ticket_id,
    periods.field,
    periods.period_number,
    periods.field_value,
    periods.previous_field_value,
    periods.valid_from,
    periods.valid_until,
    periods.is_current,
    case
        when periods.is_current then greatest(known.known_until, periods.valid_from)
        else periods.measured_until
    end as measured_until,
    case
        when periods.is_current
            then {{ minutes_between(
                'periods.valid_from', 'greatest(known.known_until, periods.valid_from)'
            ) }}
        else periods.calendar_minutes
    end as calendar_minutes,
    case
        when periods.is_current
            then greatest(schedules_now.known_odometer - periods.from_odometer, 0)
        else periods.business_minutes
    end as business_minutes,
    periods.schedule
from periods
cross join history_known_until as known
left join schedules_now on periods.schedule = schedules_now.schedule
