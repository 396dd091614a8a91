with

events as (
    select * from {{ ref('int_ticket_events_conformed') }}
    where is_trusted
),

assignee_periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where field = 'assignee'
),

working_periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where field = 'status' and field_value in ('New', 'Open')
),

metrics as (
    select * from {{ ref('ticket_event_metrics') }}
),

ratings as (
    -- marts.tickets holds one row per ticket already (no deduplication of every copy here).
    select
        ticket_id,
        satisfaction_score
    from {{ ref('tickets') }}
    where satisfaction_score is not null
),

comments as (
    -- Who wrote: the comment's author, when an agent.
    select
        author_id as agent_id,
        count(*) filter (where is_public) as public_reply_count,
        count(*) filter (where not is_public) as internal_note_count,
        count(distinct ticket_id) filter (where is_public) as tickets_replied
    from events
    where event_kind = 'comment' and author_role = 'agent' and author_id is not null
    group by author_id
),

assigned as (
    -- Whose tickets: the current assignee's.
    select
        assignee_periods.field_value as agent_id,
        count(*) as assigned_ticket_count,
        count(*) filter (where metrics.is_solved) as solved_ticket_count,
        avg(cast(metrics.is_one_touch_resolution as int)) filter (where metrics.is_solved)
            as one_touch_rate,
        median(metrics.first_reply_calendar_minutes) as median_first_reply_minutes,
        avg(metrics.agent_work_calendar_minutes) as mean_agent_work_minutes,
        avg(ratings.satisfaction_score) as mean_satisfaction_score,
        count(ratings.satisfaction_score) as rated_ticket_count
    from assignee_periods
    inner join metrics on assignee_periods.ticket_id = metrics.ticket_id
    left join ratings on assignee_periods.ticket_id = ratings.ticket_id
    where assignee_periods.is_current and assignee_periods.field_value is not null
    group by assignee_periods.field_value
),

handle_time as (
    -- Handle time: the minutes a ticket was the agent's while New or Open (the agent work
    -- time of dbt_zendesk, split by who held the ticket; a handed-off ticket counts for each
    -- holder's part). Overlap of the assignee period and the working status period.
    select
        assignee_periods.field_value as agent_id,
        sum(
            {{ minutes_between(
                'greatest(assignee_periods.valid_from, working_periods.valid_from)',
                'least(assignee_periods.measured_until, working_periods.measured_until)'
            ) }}
        ) as handle_minutes,
        count(distinct assignee_periods.ticket_id) as handled_ticket_count
    from assignee_periods
    inner join working_periods
        on
            assignee_periods.ticket_id = working_periods.ticket_id
            and assignee_periods.valid_from < working_periods.measured_until
            and assignee_periods.measured_until > working_periods.valid_from
    where assignee_periods.field_value is not null
    group by assignee_periods.field_value
),

handoffs as (
    select
        field_value as agent_id,
        count(*) as handoffs_received
    from assignee_periods
    where
        previous_field_value is not null
        and field_value is not null
        and field_value != previous_field_value
    group by field_value
),

agents as (
    select agent_id from comments
    union
    select agent_id from assigned
    union
    select agent_id from handle_time
)

select
    cast(agents.agent_id as varchar) as agent_id,
    cast(coalesce(comments.public_reply_count, 0) as bigint) as public_reply_count,
    cast(coalesce(comments.internal_note_count, 0) as bigint) as internal_note_count,
    cast(coalesce(comments.tickets_replied, 0) as bigint) as tickets_replied,
    cast(coalesce(assigned.assigned_ticket_count, 0) as bigint) as assigned_ticket_count,
    cast(coalesce(assigned.solved_ticket_count, 0) as bigint) as solved_ticket_count,
    cast(assigned.one_touch_rate as double) as one_touch_rate,
    cast(assigned.median_first_reply_minutes as double) as median_first_reply_minutes,
    cast(assigned.mean_agent_work_minutes as double) as mean_agent_work_minutes,
    cast(coalesce(handle_time.handle_minutes, 0) as double) as handle_minutes,
    cast(coalesce(handle_time.handled_ticket_count, 0) as bigint) as handled_ticket_count,
    cast(coalesce(handoffs.handoffs_received, 0) as bigint) as handoffs_received,
    cast(coalesce(assigned.rated_ticket_count, 0) as bigint) as rated_ticket_count,
    cast(assigned.mean_satisfaction_score as double) as mean_satisfaction_score
from agents
left join comments on agents.agent_id = comments.agent_id
left join assigned on agents.agent_id = assigned.agent_id
left join handoffs on agents.agent_id = handoffs.agent_id
left join handle_time on agents.agent_id = handle_time.agent_id
