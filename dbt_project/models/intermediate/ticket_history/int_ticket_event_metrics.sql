{#- Incremental per load: the metrics of the tickets whose events changed since the newest
    load this model holds, from all their events, periods and exchanges. Open periods count up
    to the ticket's own newest event (as_of); the mart ticket_event_metrics carries them to
    the warehouse's newest event, and adds the tickets without events. -#}
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
        ticket_id is not null
        {% if is_incremental() -%}
            and ticket_id in ({{ history_tickets_changed() }})
        {%- endif %}
),

periods as (
    select * from {{ ref('int_ticket_field_periods') }}
    {% if is_incremental() -%}
        where ticket_id in ({{ history_tickets_changed() }})
    {%- endif %}
),

replies as (
    select * from {{ ref('int_ticket_reply_times') }}
    {% if is_incremental() -%}
        where ticket_id in ({{ history_tickets_changed() }})
    {%- endif %}
),

ticket_known_until as (
    -- Up to when each ticket's history is known: its own newest trusted event.
    select
        ticket_id,
        max(occurred_at) filter (where is_trusted) as known_until,
        max(_changed_at) as _changed_at
    from events
    group by ticket_id
),

event_counts as (
    select
        ticket_id,
        min(ticket_created_at) as created_at,
        min(ticket_created_at_basis) as created_at_basis,
        count(*) filter (where is_trusted) as trusted_event_count,
        count(*) filter (where not is_trusted) as untrusted_event_count,
        count(*) filter (where is_before_ticket_created) as events_before_creation_count,
        coalesce(sum(duplicate_copies), 0) as duplicate_event_copies,
        count(*) filter (
            where is_trusted and event_kind = 'comment' and is_public and author_role = 'agent'
        ) as public_agent_comment_count,
        count(*) filter (
            where
            is_trusted and event_kind = 'comment' and is_public and author_role = 'end-user'
        ) as end_user_comment_count,
        count(*) filter (
            where is_trusted and event_kind = 'comment' and not is_public
        ) as internal_comment_count,
        count(*) filter (where is_trusted and author_role_basis = 'inferred')
            as inferred_role_event_count
    from events
    group by ticket_id
),

ticket_merges as (
    -- A merged-away ticket: the helpdesk closes it into another ticket. Its close is no solve
    -- by an agent (dbt_zendesk counts it as solved, a merge is a duplicate, not a resolution).
    select
        ticket_id,
        min(occurred_at) as merged_at,
        arg_min(
            case when lower(new_value) like '%closed_by_merge%' then null else new_value end,
            event_sequence
        ) as merged_into_ticket_id
    from events
    where is_trusted and event_kind = 'change' and field = 'merge'
    group by ticket_id
),

status_periods as (
    select
        *,
        field_value in ('Resolved', 'Closed')
        and coalesce(previous_field_value not in ('Resolved', 'Closed'), true) as is_solve
    from periods
    where field = 'status'
),

solves as (
    -- A solve at or after the merge is the merge's close, not a solve.
    select
        status_periods.ticket_id,
        min(status_periods.valid_from) filter (where status_periods.is_solve) as first_solved_at,
        max(status_periods.valid_from) filter (where status_periods.is_solve) as last_solved_at
    from status_periods
    left join ticket_merges on status_periods.ticket_id = ticket_merges.ticket_id
    where ticket_merges.merged_at is null or status_periods.valid_from < ticket_merges.merged_at
    group by status_periods.ticket_id
),

status_metrics as (
    select
        status_periods.ticket_id,
        max(status_periods.field_value) filter (where status_periods.is_current) as current_status,
        count(*) filter (
            where
            status_periods.previous_field_value = 'Resolved'
            and status_periods.field_value in ('New', 'Open', 'Pending', 'On-hold')
        ) as reopen_count,
        sum(status_periods.calendar_minutes) filter (where status_periods.field_value = 'New')
            as new_calendar_minutes,
        sum(status_periods.calendar_minutes) filter (where status_periods.field_value = 'Open')
            as open_calendar_minutes,
        sum(status_periods.calendar_minutes) filter (
            where status_periods.field_value = 'Pending'
        ) as pending_calendar_minutes,
        sum(status_periods.calendar_minutes) filter (
            where status_periods.field_value = 'On-hold'
        ) as on_hold_calendar_minutes,
        sum(status_periods.business_minutes) filter (
            where status_periods.field_value in ('New', 'Open', 'On-hold')
        ) as requester_wait_business_minutes,
        sum(status_periods.business_minutes) filter (
            where status_periods.field_value = 'Pending'
        ) as agent_wait_business_minutes,
        -- Status periods tile the ticket's life from its creation, so the business minutes
        -- up to a solve are the sum of the periods that end by then.
        sum(status_periods.business_minutes) filter (
            where status_periods.valid_until <= solves.first_solved_at
        ) as first_resolution_business_minutes,
        sum(status_periods.business_minutes) filter (
            where status_periods.valid_until <= solves.last_solved_at
        ) as full_resolution_business_minutes,
        count(*) filter (where status_periods.field_value is null) as unknown_status_periods,
        -- The current period as stored (up to as_of): the mart swaps in its length up to the
        -- warehouse's newest event.
        max(status_periods.calendar_minutes) filter (where status_periods.is_current)
            as current_status_calendar_minutes,
        max(status_periods.business_minutes) filter (where status_periods.is_current)
            as current_status_business_minutes
    from status_periods
    left join solves on status_periods.ticket_id = solves.ticket_id
    group by status_periods.ticket_id
),

assignee_periods as (
    select
        periods.*,
        solves.first_solved_at
    from periods
    left join solves on periods.ticket_id = solves.ticket_id
    where periods.field = 'assignee'
),

assignment_metrics as (
    select
        assignee_periods.ticket_id,
        count(distinct assignee_periods.field_value) as assignee_station_count,
        count(*) filter (
            where
            assignee_periods.previous_field_value is not null
            and assignee_periods.field_value is not null
            and assignee_periods.field_value != assignee_periods.previous_field_value
        ) as handoff_count,
        min(assignee_periods.valid_from) filter (where assignee_periods.field_value is not null)
            as first_assigned_at,
        -- Unassigned while unsolved: up to the first solve, or until now for an open ticket.
        sum(
            greatest(
                {{ minutes_between(
                    'assignee_periods.valid_from',
                    'least(assignee_periods.measured_until, '
                    ~ 'coalesce(assignee_periods.first_solved_at, '
                    ~ 'assignee_periods.measured_until))'
                ) }},
                0
            )
        ) filter (where assignee_periods.field_value is null) as unassigned_calendar_minutes,
        max(
            greatest(
                {{ minutes_between(
                    'assignee_periods.valid_from',
                    'least(assignee_periods.measured_until, '
                    ~ 'coalesce(assignee_periods.first_solved_at, '
                    ~ 'assignee_periods.measured_until))'
                ) }},
                0
            )
        ) filter (
            where assignee_periods.field_value is null and assignee_periods.is_current
        ) as current_unassigned_calendar_minutes
    from assignee_periods
    group by assignee_periods.ticket_id
),

group_metrics as (
    select
        ticket_id,
        count(distinct field_value) as group_station_count
    from periods
    where field = 'group'
    group by ticket_id
),

reply_metrics as (
    select
        ticket_id,
        min(replied_at) filter (where is_first_reply) as first_reply_at,
        min(reply_calendar_minutes) filter (where is_first_reply)
            as first_reply_calendar_minutes,
        min(reply_business_minutes) filter (where is_first_reply)
            as first_reply_business_minutes,
        count(*) filter (where not is_first_reply and replied_at is not null)
            as next_reply_count,
        avg(reply_calendar_minutes) filter (where not is_first_reply)
            as mean_next_reply_calendar_minutes,
        max(reply_calendar_minutes) filter (where not is_first_reply)
            as longest_next_reply_calendar_minutes,
        count(*) filter (where replied_at is null) > 0 as is_awaiting_reply
    from replies
    group by ticket_id
),

all_tickets as (
    -- The tickets with events (the mart adds the flat-only ones).
    select ticket_id from event_counts
),

joined as (
    select
        all_tickets.ticket_id,
        event_counts.created_at,
        event_counts.created_at_basis,
        status_metrics.current_status,
        coalesce(status_metrics.current_status in ('Resolved', 'Closed'), false)
        and ticket_merges.merged_at is null as is_solved,
        ticket_merges.merged_at,
        ticket_merges.merged_into_ticket_id,
        coalesce(status_metrics.current_status in ('Resolved', 'Closed'), false)
        and ticket_merges.merged_at is not null as is_closed_by_merge,
        reply_metrics.first_reply_at,
        reply_metrics.first_reply_calendar_minutes,
        reply_metrics.first_reply_business_minutes,
        reply_metrics.next_reply_count,
        reply_metrics.mean_next_reply_calendar_minutes,
        reply_metrics.longest_next_reply_calendar_minutes,
        coalesce(reply_metrics.is_awaiting_reply, false) as is_awaiting_reply,
        solves.first_solved_at,
        solves.last_solved_at,
        {{ minutes_between('event_counts.created_at', 'solves.first_solved_at') }}
            as first_resolution_calendar_minutes,
        status_metrics.first_resolution_business_minutes,
        {{ minutes_between('event_counts.created_at', 'solves.last_solved_at') }}
            as full_resolution_calendar_minutes,
        status_metrics.full_resolution_business_minutes,
        status_metrics.reopen_count,
        status_metrics.new_calendar_minutes,
        status_metrics.open_calendar_minutes,
        status_metrics.pending_calendar_minutes,
        status_metrics.on_hold_calendar_minutes,
        coalesce(status_metrics.new_calendar_minutes, 0)
        + coalesce(status_metrics.open_calendar_minutes, 0)
        + coalesce(status_metrics.on_hold_calendar_minutes, 0) as requester_wait_calendar_minutes,
        status_metrics.requester_wait_business_minutes,
        coalesce(status_metrics.pending_calendar_minutes, 0) as agent_wait_calendar_minutes,
        status_metrics.agent_wait_business_minutes,
        coalesce(status_metrics.new_calendar_minutes, 0)
        + coalesce(status_metrics.open_calendar_minutes, 0) as agent_work_calendar_minutes,
        event_counts.public_agent_comment_count,
        event_counts.end_user_comment_count,
        event_counts.internal_comment_count,
        assignment_metrics.assignee_station_count,
        group_metrics.group_station_count,
        assignment_metrics.handoff_count,
        assignment_metrics.first_assigned_at,
        assignment_metrics.unassigned_calendar_minutes,
        event_counts.trusted_event_count,
        event_counts.untrusted_event_count,
        event_counts.events_before_creation_count,
        event_counts.duplicate_event_copies,
        event_counts.inferred_role_event_count,
        status_metrics.ticket_id is not null as has_status_history,
        status_metrics.current_status_calendar_minutes,
        status_metrics.current_status_business_minutes,
        assignment_metrics.current_unassigned_calendar_minutes,
        known.known_until,
        known._changed_at
    from all_tickets
    left join ticket_known_until as known on all_tickets.ticket_id = known.ticket_id
    left join event_counts on all_tickets.ticket_id = event_counts.ticket_id
    left join status_metrics on all_tickets.ticket_id = status_metrics.ticket_id
    left join solves on all_tickets.ticket_id = solves.ticket_id
    left join assignment_metrics on all_tickets.ticket_id = assignment_metrics.ticket_id
    left join group_metrics on all_tickets.ticket_id = group_metrics.ticket_id
    left join reply_metrics on all_tickets.ticket_id = reply_metrics.ticket_id
    left join ticket_merges on all_tickets.ticket_id = ticket_merges.ticket_id
)

select
    cast(ticket_id as varchar) as ticket_id,
    cast(created_at as timestamp) as created_at,
    cast(created_at_basis as varchar) as created_at_basis,
    cast(
        case
            when trusted_event_count is null then 'no events loaded for this ticket'
            when trusted_event_count = 0 then 'none of its events can be trusted'
            when not has_status_history then 'no status changes loaded: status metrics null'
        end as varchar
    ) as missing_metrics_reason,
    cast(current_status as varchar) as current_status,
    cast(case when has_status_history then is_solved end as boolean) as is_solved,
    cast(merged_at is not null as boolean) as is_merged,
    cast(merged_at as timestamp) as merged_at,
    cast(merged_into_ticket_id as varchar) as merged_into_ticket_id,
    cast(case when has_status_history then is_closed_by_merge end as boolean)
        as is_closed_by_merge,
    cast(first_reply_at as timestamp) as first_reply_at,
    cast(first_reply_calendar_minutes as double) as first_reply_calendar_minutes,
    cast(first_reply_business_minutes as double) as first_reply_business_minutes,
    cast(next_reply_count as bigint) as next_reply_count,
    cast(mean_next_reply_calendar_minutes as double) as mean_next_reply_calendar_minutes,
    cast(longest_next_reply_calendar_minutes as double) as longest_next_reply_calendar_minutes,
    -- A solved ticket waits for no one, even when its last end-user comment got no reply.
    cast(
        case
            when trusted_event_count > 0 then is_awaiting_reply and not coalesce(is_solved, false)
        end as boolean
    ) as is_awaiting_reply,
    cast(first_solved_at as timestamp) as first_solved_at,
    cast(last_solved_at as timestamp) as last_solved_at,
    cast(first_resolution_calendar_minutes as double) as first_resolution_calendar_minutes,
    cast(first_resolution_business_minutes as double) as first_resolution_business_minutes,
    cast(full_resolution_calendar_minutes as double) as full_resolution_calendar_minutes,
    cast(full_resolution_business_minutes as double) as full_resolution_business_minutes,
    cast(reopen_count as bigint) as reopen_count,
    cast(new_calendar_minutes as double) as new_calendar_minutes,
    cast(open_calendar_minutes as double) as open_calendar_minutes,
    cast(pending_calendar_minutes as double) as pending_calendar_minutes,
    cast(on_hold_calendar_minutes as double) as on_hold_calendar_minutes,
    cast(case when has_status_history then requester_wait_calendar_minutes end as double)
        as requester_wait_calendar_minutes,
    cast(requester_wait_business_minutes as double) as requester_wait_business_minutes,
    cast(case when has_status_history then agent_wait_calendar_minutes end as double)
        as agent_wait_calendar_minutes,
    cast(agent_wait_business_minutes as double) as agent_wait_business_minutes,
    cast(case when has_status_history then agent_work_calendar_minutes end as double)
        as agent_work_calendar_minutes,
    cast(public_agent_comment_count as bigint) as public_agent_reply_count,
    cast(end_user_comment_count as bigint) as end_user_comment_count,
    cast(internal_comment_count as bigint) as internal_comment_count,
    -- Touches are judged on tickets whose status history says whether they are solved.
    cast(
        case when has_status_history then is_solved and public_agent_comment_count = 1 end
        as boolean
    ) as is_one_touch_resolution,
    cast(
        case when has_status_history then is_solved and public_agent_comment_count = 2 end
        as boolean
    ) as is_two_touch_resolution,
    cast(
        case when has_status_history then is_solved and public_agent_comment_count > 2 end
        as boolean
    ) as is_multi_touch_resolution,
    cast(assignee_station_count as bigint) as assignee_station_count,
    cast(group_station_count as bigint) as group_station_count,
    cast(handoff_count as bigint) as handoff_count,
    cast(first_assigned_at as timestamp) as first_assigned_at,
    cast(unassigned_calendar_minutes as double) as unassigned_calendar_minutes,
    cast(
        case
            when has_status_history and not is_solved and not is_closed_by_merge
                then {{ minutes_between('created_at', 'known_until') }}
        end as double
    ) as unsolved_age_calendar_minutes,
    cast(trusted_event_count as bigint) as trusted_event_count,
    cast(untrusted_event_count as bigint) as untrusted_event_count,
    cast(events_before_creation_count as bigint) as events_before_creation_count,
    cast(duplicate_event_copies as bigint) as duplicate_event_copies,
    cast(inferred_role_event_count as bigint) as inferred_role_event_count,
    cast(known_until as timestamp) as as_of,
    cast(current_status_calendar_minutes as double) as current_status_calendar_minutes,
    cast(current_status_business_minutes as double) as current_status_business_minutes,
    cast(current_unassigned_calendar_minutes as double) as current_unassigned_calendar_minutes,
    cast(_changed_at as timestamp) as _changed_at
from joined
