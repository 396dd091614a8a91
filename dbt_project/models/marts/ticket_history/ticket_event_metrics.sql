{#- Incremental per load over int_ticket_event_metrics (itself incremental): a build writes
    again the rows of the tickets whose events or ticket row changed, of new tickets of the
    ticket export, and of tickets with a running clock (an open period counts up to the
    newest event in the warehouse, swapped in here); every other row stays as stored. Tickets
    of the ticket export without events get a row whose event metrics are null, with the
    reason. `supportlake build --full-refresh` derives every row again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_before_append('ticket_id in (' ~ event_metrics_to_refresh() ~ ')') }}"
) }}
-- The indent of a CTE inside an if block is beyond the linter.
-- noqa: disable=LT02
with

{% if is_incremental() %}
refreshed as (
    {{ event_metrics_to_refresh() }}
),
{% endif %}

metrics as (
    select * from {{ ref('int_ticket_event_metrics') }}
    {% if is_incremental() -%}
        where ticket_id in (select refreshed.ticket_id from refreshed)
    {%- endif %}
),

flat_tickets as (
    select
        ticket_id,
        _loaded_at
    from {{ ref('tickets') }}
    {% if is_incremental() -%}
        where ticket_id in (select refreshed.ticket_id from refreshed)
    {%- endif %}
),

current_periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where
        is_current and field in ('status', 'assignee')
        {% if is_incremental() -%}
            and ticket_id in (select refreshed.ticket_id from refreshed)
        {%- endif %}
),

history_known_until as (
    select max(occurred_at) as known_until
    from {{ ref('int_ticket_events_conformed') }}
    where is_trusted
),

all_tickets as (
    -- Every ticket of either export, with the load of its ticket row.
    select
        coalesce(flat_tickets.ticket_id, metrics.ticket_id) as ticket_id,
        flat_tickets._loaded_at
    from flat_tickets
    full outer join metrics on flat_tickets.ticket_id = metrics.ticket_id
)

select
    all_tickets.ticket_id,
    metrics.created_at,
    metrics.created_at_basis,
    case
        when metrics.ticket_id is null then 'no events loaded for this ticket'
        else metrics.missing_metrics_reason
    end as missing_metrics_reason,
    metrics.current_status,
    metrics.is_solved,
    coalesce(metrics.is_merged, false) as is_merged,
    metrics.merged_at,
    metrics.merged_into_ticket_id,
    metrics.is_closed_by_merge,
    metrics.first_reply_at,
    metrics.first_reply_calendar_minutes,
    metrics.first_reply_business_minutes,
    metrics.next_reply_count,
    metrics.mean_next_reply_calendar_minutes,
    metrics.longest_next_reply_calendar_minutes,
    metrics.is_awaiting_reply,
    metrics.first_solved_at,
    metrics.last_solved_at,
    metrics.first_resolution_calendar_minutes,
    metrics.first_resolution_business_minutes,
    metrics.full_resolution_calendar_minutes,
    metrics.full_resolution_business_minutes,
    metrics.reopen_count,
    {{ current_period_swapped('new_calendar_minutes', "('New')") }} as new_calendar_minutes,
    {{ current_period_swapped('open_calendar_minutes', "('Open')") }} as open_calendar_minutes,
    {{ current_period_swapped('pending_calendar_minutes', "('Pending')") }}
        as pending_calendar_minutes,
    {{ current_period_swapped('on_hold_calendar_minutes', "('On-hold')") }}
        as on_hold_calendar_minutes,
    case
        when metrics.is_solved is not null
            then
                coalesce({{ current_period_swapped('new_calendar_minutes', "('New')") }}, 0)
                + coalesce({{ current_period_swapped('open_calendar_minutes', "('Open')") }}, 0)
                + coalesce(
                    {{ current_period_swapped('on_hold_calendar_minutes', "('On-hold')") }}, 0
                )
    end as requester_wait_calendar_minutes,
    {{ current_period_swapped(
        'requester_wait_business_minutes', "('New', 'Open', 'On-hold')", 'business'
    ) }} as requester_wait_business_minutes,
    case
        when metrics.is_solved is not null
            then
                coalesce(
                    {{ current_period_swapped('pending_calendar_minutes', "('Pending')") }}, 0
                )
    end as agent_wait_calendar_minutes,
    {{ current_period_swapped('agent_wait_business_minutes', "('Pending')", 'business') }}
        as agent_wait_business_minutes,
    case
        when metrics.is_solved is not null
            then
                coalesce({{ current_period_swapped('new_calendar_minutes', "('New')") }}, 0)
                + coalesce({{ current_period_swapped('open_calendar_minutes', "('Open')") }}, 0)
    end as agent_work_calendar_minutes,
    metrics.public_agent_reply_count,
    metrics.end_user_comment_count,
    metrics.internal_comment_count,
    metrics.is_one_touch_resolution,
    metrics.is_two_touch_resolution,
    metrics.is_multi_touch_resolution,
    metrics.assignee_station_count,
    metrics.group_station_count,
    metrics.handoff_count,
    metrics.first_assigned_at,
    case
        when metrics.current_unassigned_calendar_minutes is not null
            then
                metrics.unassigned_calendar_minutes
                - metrics.current_unassigned_calendar_minutes
                + greatest(
                    {{ minutes_between(
                        'current_assignee.valid_from',
                        'least(current_assignee.measured_until, '
                        ~ 'coalesce(metrics.first_solved_at, current_assignee.measured_until))'
                    ) }},
                    0
                )
        else metrics.unassigned_calendar_minutes
    end as unassigned_calendar_minutes,
    case
        when not metrics.is_solved and not metrics.is_closed_by_merge
            then {{ minutes_between('metrics.created_at', 'known.known_until') }}
    end as unsolved_age_calendar_minutes,
    metrics.trusted_event_count,
    metrics.untrusted_event_count,
    metrics.events_before_creation_count,
    metrics.duplicate_event_copies,
    metrics.inferred_role_event_count,
    metrics._changed_at,
    all_tickets._loaded_at
from all_tickets
cross join history_known_until as known
left join metrics on all_tickets.ticket_id = metrics.ticket_id
left join current_periods as current_status
    on metrics.ticket_id = current_status.ticket_id and current_status.field = 'status'
left join current_periods as current_assignee
    on metrics.ticket_id = current_assignee.ticket_id and current_assignee.field = 'assignee'
