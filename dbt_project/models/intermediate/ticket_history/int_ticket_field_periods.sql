{#- Incremental per load: the periods of the tickets whose events changed since the newest
    load this model holds (macros/ticket_history/history_incremental.sql), from all their
    events. A current period is measured up to the ticket's own newest event, which no other
    ticket's load moves; int_ticket_periods_known extends it to the warehouse's newest event. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_before_append('ticket_id in (' ~ history_tickets_changed() ~ ')') }}"
) }}

with

events as (
    select * from {{ ref('int_ticket_events_conformed') }}
    where
        is_trusted
        {% if is_incremental() -%}
            and ticket_id in ({{ history_tickets_changed() }})
        {%- endif %}
),

schedule_windows as (
    select * from {{ ref('int_schedule_windows') }}
),

ticket_known_until as (
    -- An unsolved ticket's current state lasts at least until its newest event: the moment
    -- up to which its history is known (dbt_zendesk uses the build's clock instead; this
    -- keeps a rebuild's numbers the same, and a load of other tickets leaves it alone).
    select
        ticket_id,
        max(occurred_at) as known_until,
        max(_changed_at) as _changed_at
    from events
    group by ticket_id
),

changes as (
    select
        ticket_id,
        field,
        occurred_at,
        new_value,
        previous_value,
        ticket_created_at,
        schedule,
        row_number() over (
            partition by ticket_id, field order by event_sequence
        ) as change_number,
        lead(occurred_at) over (
            partition by ticket_id, field order by event_sequence
        ) as next_change_at
    from events
    where event_kind = 'change' and field in ('status', 'priority', 'assignee', 'group')
),

initial_periods as (
    -- Before its first recorded change a field held the change's previous value, from the
    -- ticket's start (none when the first change is the ticket's creation itself).
    select
        ticket_id,
        field,
        0 as period_number,
        previous_value as field_value,
        ticket_created_at as valid_from,
        occurred_at as valid_until,
        schedule
    from changes
    where change_number = 1 and occurred_at > ticket_created_at
),

change_periods as (
    select
        ticket_id,
        field,
        change_number as period_number,
        new_value as field_value,
        occurred_at as valid_from,
        next_change_at as valid_until,
        schedule
    from changes
),

periods as (
    select * from initial_periods
    union all
    select * from change_periods
),

measured as (
    select
        periods.ticket_id,
        periods.field,
        periods.period_number,
        periods.field_value,
        lag(periods.field_value) over (
            partition by periods.ticket_id, periods.field order by periods.period_number
        ) as previous_field_value,
        periods.valid_from,
        periods.valid_until,
        periods.valid_until is null as is_current,
        coalesce(periods.valid_until, greatest(known.known_until, periods.valid_from))
            as measured_until,
        periods.schedule,
        known._changed_at
    from periods
    inner join ticket_known_until as known on periods.ticket_id = known.ticket_id
)

select
    measured.ticket_id,
    measured.field,
    measured.period_number,
    measured.field_value,
    measured.previous_field_value,
    measured.valid_from,
    measured.valid_until,
    measured.is_current,
    measured.measured_until,
    {{ minutes_between('measured.valid_from', 'measured.measured_until') }} as calendar_minutes,
    -- Business minutes on the schedule of the ticket's queue, in its own time zone; null
    -- when the queue has no schedule or the span leaves the calendar's years.
    {{ schedule_odometer('measured.measured_until', 'until_window') }}
    - {{ schedule_odometer('measured.valid_from', 'from_window') }} as business_minutes,
    -- The schedule's odometer at the period's start: a current period's business minutes to
    -- any later time are that time's odometer minus this.
    {{ schedule_odometer('measured.valid_from', 'from_window') }} as from_odometer,
    measured.schedule,
    measured._changed_at
from measured
asof left join schedule_windows as from_window
    on
        measured.schedule = from_window.schedule
        and measured.valid_from >= from_window.window_start
asof left join schedule_windows as until_window
    on
        measured.schedule = until_window.schedule
        and measured.measured_until >= until_window.window_start
