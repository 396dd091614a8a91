{#- Incremental per load: a build writes again every SLA row of the tickets whose events or
    ticket row changed, and of tickets with a running clock (an active SLA's elapsed time runs
    up to the newest event in the warehouse); a ticket that is solved keeps its stored rows.
    `supportlake build --full-refresh` derives every row again. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_before_append('ticket_id in (' ~ history_mart_tickets_to_refresh() ~ ')') }}"
) }}
-- The indent of a CTE inside an if block is beyond the linter.
-- noqa: disable=LT02
with

{% if is_incremental() %}
refreshed as (
    {{ history_mart_tickets_to_refresh() }}
),
{% endif %}

tickets as (
    select
        ticket_id,
        priority,
        queue
    from {{ ref('tickets') }}
    {% if is_incremental() -%}
        where ticket_id in (select refreshed.ticket_id from refreshed)
    {%- endif %}
),

events as (
    select * from {{ ref('int_ticket_events_conformed') }}
    where
        is_trusted
        {% if is_incremental() -%}
            and ticket_id in (select refreshed.ticket_id from refreshed)
        {%- endif %}
),

periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    {% if is_incremental() -%}
        where ticket_id in (select refreshed.ticket_id from refreshed)
    {%- endif %}
),

replies as (
    select * from {{ ref('int_ticket_reply_times') }}
    {% if is_incremental() -%}
        where ticket_id in (select refreshed.ticket_id from refreshed)
    {%- endif %}
),

changes as (
    -- The newest load each ticket's rows were computed from (the incremental watermark).
    select
        ticket_id,
        _changed_at
    from {{ ref('int_ticket_event_metrics') }}
),

policies as (
    select * from {{ ref('sla_policies') }}
),

queue_schedules as (
    select * from {{ ref('queue_schedules') }}
),

schedule_windows as (
    select * from {{ ref('int_schedule_windows') }}
),

history_known_until as (
    -- The newest trusted event of every ticket, not only of those written again.
    select max(occurred_at) as known_until
    from {{ ref('int_ticket_events_conformed') }}
    where is_trusted
),

latest_priorities as (
    -- A ticket known only from its events takes the priority of its latest change.
    select
        ticket_id,
        arg_max(new_value, event_sequence) as priority
    from events
    where field = 'priority'
    group by ticket_id
),

ticket_states as (
    select
        ticket_id,
        max(field_value) filter (where is_current) as current_status,
        max(valid_from) filter (
            where
            field_value in ('Resolved', 'Closed')
            and coalesce(previous_field_value not in ('Resolved', 'Closed'), true)
        ) as last_solved_at
    from periods
    where field = 'status'
    group by ticket_id
),

policy_candidates as (
    -- A policy row naming the ticket's queue wins over the row for every queue.
    select
        history_tickets.ticket_id,
        policies.policy,
        policies.priority,
        history_tickets.queue,
        queue_schedules.schedule,
        policies.metric,
        policies.target_minutes,
        policies.basis,
        row_number() over (
            partition by history_tickets.ticket_id, policies.metric
            order by policies.queue is null
        ) as policy_rank
    from (
        select
            ticket_ids.ticket_id,
            tickets.queue,
            coalesce(tickets.priority, latest_priorities.priority) as priority
        from (select distinct ticket_id from events) as ticket_ids
        left join tickets on ticket_ids.ticket_id = tickets.ticket_id
        left join latest_priorities on ticket_ids.ticket_id = latest_priorities.ticket_id
    ) as history_tickets
    inner join policies
        on
            history_tickets.priority = policies.priority
            and (policies.queue is null or history_tickets.queue = policies.queue)
    left join queue_schedules on history_tickets.queue = queue_schedules.queue
),

ticket_policies as (
    select
        ticket_policies.*,
        ticket_states.current_status in ('Resolved', 'Closed') as is_solved,
        ticket_states.last_solved_at
    from policy_candidates as ticket_policies
    left join ticket_states on ticket_policies.ticket_id = ticket_states.ticket_id
    where ticket_policies.policy_rank = 1
),

-- Reply SLAs: one clock per reply, from its start to the agent reply (or, unanswered, to the
-- solve or the newest event in the warehouse).
reply_clocks as (
    select
        ticket_policies.*,
        replies.reply_number as occurrence,
        replies.reply_clock_started_at as started_at,
        replies.replied_at as achieved_at,
        coalesce(
            replies.replied_at,
            case when ticket_policies.is_solved then ticket_policies.last_solved_at end,
            known.known_until
        ) as measured_until
    from replies
    inner join ticket_policies
        on
            replies.ticket_id = ticket_policies.ticket_id
            and ticket_policies.metric
            = case when replies.is_first_reply then 'first_reply' else 'next_reply' end
    cross join history_known_until as known
),

-- Periodic update SLAs (Zendesk's "periodic update", not paused while Pending): one clock per
-- public agent comment that leaves the ticket unsolved, running to the next public agent
-- comment, else to the next solve (the solve fulfils it), else to the newest event.
solve_times as (
    select
        ticket_id,
        valid_from as solved_at
    from periods
    where
        field = 'status'
        and field_value in ('Resolved', 'Closed')
        and coalesce(previous_field_value not in ('Resolved', 'Closed'), true)
),

solved_spans as (
    select
        ticket_id,
        valid_from,
        valid_until
    from periods
    where field = 'status' and field_value in ('Resolved', 'Closed')
),

agent_updates as (
    select
        ticket_id,
        occurred_at,
        event_sequence,
        lead(occurred_at) over (partition by ticket_id order by event_sequence)
            as next_update_at
    from events
    where event_kind = 'comment' and is_public and author_role = 'agent'
),

update_ends as (
    select
        agent_updates.ticket_id,
        agent_updates.occurred_at,
        agent_updates.event_sequence,
        agent_updates.next_update_at,
        min(solve_times.solved_at) as next_solved_at
    from agent_updates
    left join solve_times
        on
            agent_updates.ticket_id = solve_times.ticket_id
            and agent_updates.occurred_at <= solve_times.solved_at
    group by all
),

update_starts as (
    -- A comment made while the ticket is solved, or with the solve itself, starts no clock.
    select
        update_ends.*,
        row_number() over (
            partition by update_ends.ticket_id order by update_ends.event_sequence
        ) as occurrence
    from update_ends
    where
        coalesce(update_ends.next_solved_at > update_ends.occurred_at, true)
        and not exists (
            select 1 from solved_spans
            where
                solved_spans.ticket_id = update_ends.ticket_id
                and update_ends.occurred_at >= solved_spans.valid_from
                and (
                    solved_spans.valid_until is null
                    or update_ends.occurred_at < solved_spans.valid_until
                )
        )
),

update_clocks as (
    select
        ticket_policies.*,
        update_starts.occurrence,
        update_starts.occurred_at as started_at,
        least(update_starts.next_update_at, update_starts.next_solved_at) as achieved_at,
        coalesce(
            least(update_starts.next_update_at, update_starts.next_solved_at), known.known_until
        ) as measured_until
    from update_starts
    inner join ticket_policies
        on
            update_starts.ticket_id = ticket_policies.ticket_id
            and ticket_policies.metric = 'periodic_update'
    cross join history_known_until as known
),

clocks as (
    select * from reply_clocks
    union all by name
    select * from update_clocks
),

reply_read as (
    select
        reply_clocks.*,
        case
            when reply_clocks.basis = 'calendar'
                then {{ minutes_between('reply_clocks.started_at', 'reply_clocks.measured_until') }}
            else
                {{ schedule_odometer('reply_clocks.measured_until', 'until_window') }}
                - {{ schedule_odometer('reply_clocks.started_at', 'start_window') }}
        end as elapsed_minutes,
        {{ schedule_odometer('reply_clocks.started_at', 'start_window') }}
        + reply_clocks.target_minutes as target_odometer
    from clocks as reply_clocks
    asof left join schedule_windows as start_window
        on
            reply_clocks.schedule = start_window.schedule
            and reply_clocks.started_at >= start_window.window_start
    asof left join schedule_windows as until_window
        on
            reply_clocks.schedule = until_window.schedule
            and reply_clocks.measured_until >= until_window.window_start
),

reply_slas as (
    select
        reply_read.ticket_id,
        reply_read.metric,
        reply_read.occurrence,
        reply_read.policy,
        reply_read.priority,
        reply_read.queue,
        reply_read.basis,
        reply_read.target_minutes,
        reply_read.started_at,
        case
            when reply_read.basis = 'calendar'
                then reply_read.started_at + to_minutes(reply_read.target_minutes)
            else {{ schedule_time_at('reply_read.target_odometer', 'breach_window') }}
        end as breach_at,
        reply_read.achieved_at,
        reply_read.elapsed_minutes,
        reply_read.achieved_at is null and not coalesce(reply_read.is_solved, false) as is_active
    from reply_read
    asof left join schedule_windows as breach_window
        on
            reply_read.schedule = breach_window.schedule
            and reply_read.target_odometer > breach_window.minutes_before
),

-- Wait SLAs: the time a ticket spends in the metric's statuses, summed over its status
-- periods; breached inside the period where the running sum passes the target.
wait_statuses as (
    select
        pairs.metric,
        pairs.status
    from (
        values
        ('requester_wait', 'New'),
        ('requester_wait', 'Open'),
        ('requester_wait', 'On-hold'),
        ('agent_work', 'New'),
        ('agent_work', 'Open')
    ) as pairs (metric, status)
),

wait_periods as (
    select
        ticket_policies.*,
        periods.valid_from,
        case
            when ticket_policies.basis = 'calendar' then periods.calendar_minutes
            else periods.business_minutes
        end as period_minutes
    from periods
    inner join wait_statuses on periods.field_value = wait_statuses.status
    inner join ticket_policies
        on
            periods.ticket_id = ticket_policies.ticket_id
            and wait_statuses.metric = ticket_policies.metric
    where periods.field = 'status'
),

wait_running as (
    select
        *,
        coalesce(
            sum(period_minutes) over (
                partition by ticket_id, metric
                order by valid_from
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as minutes_before_period
    from wait_periods
),

wait_remaining as (
    select
        *,
        target_minutes - minutes_before_period as remaining_minutes
    from wait_running
),

wait_crossings as (
    select
        wait_remaining.ticket_id,
        wait_remaining.metric,
        case
            when wait_remaining.basis = 'calendar'
                then
                    wait_remaining.valid_from
                    + to_seconds(cast(round(wait_remaining.remaining_minutes * 60) as bigint))
        end as calendar_breach_at,
        {{ schedule_odometer('wait_remaining.valid_from', 'from_window') }}
        + wait_remaining.target_minutes
        - wait_remaining.minutes_before_period as target_odometer,
        wait_remaining.schedule
    from wait_remaining
    asof left join schedule_windows as from_window
        on
            wait_remaining.schedule = from_window.schedule
            and wait_remaining.valid_from >= from_window.window_start
    where
        wait_remaining.minutes_before_period < wait_remaining.target_minutes
        and wait_remaining.minutes_before_period + wait_remaining.period_minutes
        >= wait_remaining.target_minutes
),

wait_breaches as (
    select
        wait_crossings.ticket_id,
        wait_crossings.metric,
        coalesce(
            wait_crossings.calendar_breach_at,
            {{ schedule_time_at('wait_crossings.target_odometer', 'breach_window') }}
        ) as breach_at
    from wait_crossings
    asof left join schedule_windows as breach_window
        on
            wait_crossings.schedule = breach_window.schedule
            and wait_crossings.target_odometer > breach_window.minutes_before
),

wait_slas as (
    select
        wait_running.ticket_id,
        wait_running.metric,
        1 as occurrence,
        min(wait_running.policy) as policy,
        min(wait_running.priority) as priority,
        min(wait_running.queue) as queue,
        min(wait_running.basis) as basis,
        min(wait_running.target_minutes) as target_minutes,
        min(wait_running.valid_from) as started_at,
        min(wait_breaches.breach_at) as breach_at,
        case
            when bool_or(wait_running.is_solved) then min(wait_running.last_solved_at)
        end as achieved_at,
        sum(wait_running.period_minutes) as elapsed_minutes,
        not coalesce(bool_or(wait_running.is_solved), false) as is_active
    from wait_running
    left join wait_breaches
        on
            wait_running.ticket_id = wait_breaches.ticket_id
            and wait_running.metric = wait_breaches.metric
    group by wait_running.ticket_id, wait_running.metric
),

all_slas as (
    select * from reply_slas
    union all
    select * from wait_slas
)

select
    cast(all_slas.ticket_id as varchar) as ticket_id,
    cast(all_slas.metric as varchar) as metric,
    cast(all_slas.occurrence as bigint) as occurrence,
    cast(all_slas.policy as varchar) as policy,
    cast(all_slas.priority as varchar) as priority,
    cast(all_slas.queue as varchar) as queue,
    cast(all_slas.basis as varchar) as basis,
    cast(all_slas.target_minutes as integer) as target_minutes,
    cast(all_slas.started_at as timestamp) as sla_started_at,
    cast(all_slas.breach_at as timestamp) as sla_breach_at,
    cast(all_slas.achieved_at as timestamp) as achieved_at,
    cast(all_slas.elapsed_minutes as double) as elapsed_minutes,
    cast(all_slas.is_active as boolean) as is_active,
    cast(all_slas.elapsed_minutes > all_slas.target_minutes as boolean) as is_breached,
    cast(
        not all_slas.is_active and all_slas.elapsed_minutes <= all_slas.target_minutes
        as boolean
    ) as is_met,
    cast(changes._changed_at as timestamp) as _changed_at
from all_slas
left join changes on all_slas.ticket_id = changes.ticket_id
