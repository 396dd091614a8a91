{#- Incremental per load: the exchanges of the tickets whose events changed since the newest
    load this model holds, from all their comments (macros/ticket_history/history_incremental.sql). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ delete_before_append('ticket_id in (' ~ history_tickets_changed() ~ ')') }}"
) }}

with

public_comments as (
    -- Public comments by a person: internal notes and system messages are no reply and
    -- leave no one waiting.
    select
        ticket_id,
        occurred_at,
        author_role,
        ticket_created_at,
        schedule,
        event_sequence,
        _changed_at
    from {{ ref('int_ticket_events_conformed') }}
    where
        is_trusted
        and event_kind = 'comment'
        and is_public
        and author_role in ('agent', 'end-user')
        {% if is_incremental() -%}
            and ticket_id in ({{ history_tickets_changed() }})
        {%- endif %}
),

schedule_windows as (
    select * from {{ ref('int_schedule_windows') }}
),

numbered as (
    -- exchange_number: public agent replies before this comment. An exchange is the end-user
    -- comments since the previous agent reply, closed by the next agent reply.
    select
        *,
        coalesce(
            sum(case when author_role = 'agent' then 1 else 0 end) over (
                partition by ticket_id
                order by event_sequence
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as exchange_number,
        -- An outbound ticket: an agent wrote first, when the ticket was created.
        first_value(author_role = 'agent' and occurred_at = ticket_created_at) over (
            partition by ticket_id order by event_sequence
        ) as is_outbound
    from public_comments
),

exchanges as (
    select
        ticket_id,
        exchange_number,
        min(ticket_created_at) as ticket_created_at,
        min(schedule) as schedule,
        -- The requester waits from the ticket's creation: the request itself is the first
        -- message, whether or not the export lists it as a comment (Jira and Freshdesk keep
        -- the description apart); not so for an outbound ticket.
        case
            when exchange_number = 0 and not bool_or(is_outbound) then min(ticket_created_at)
            else min(case when author_role = 'end-user' then occurred_at end)
        end as waiting_since,
        min(case when author_role = 'agent' then occurred_at end) as replied_at,
        max(_changed_at) as _changed_at
    from numbered
    group by ticket_id, exchange_number
),

answered as (
    -- An agent comment nobody waited for (an outbound first message, a second reply in a
    -- row) is no reply. The first reply counts from the ticket's creation, as in
    -- dbt_zendesk; each next reply from the first end-user comment it answers.
    select
        *,
        row_number() over (partition by ticket_id order by exchange_number) as reply_number
    from exchanges
    where waiting_since is not null
),

timed as (
    select
        *,
        case when reply_number = 1 then ticket_created_at else waiting_since end
            as reply_clock_started_at
    from answered
)

select
    timed.ticket_id,
    timed.reply_number,
    timed.reply_number = 1 as is_first_reply,
    timed.waiting_since,
    timed.reply_clock_started_at,
    timed.replied_at,
    {{ minutes_between('timed.reply_clock_started_at', 'timed.replied_at') }}
        as reply_calendar_minutes,
    {{ schedule_odometer('timed.replied_at', 'replied_window') }}
    - {{ schedule_odometer('timed.reply_clock_started_at', 'started_window') }}
        as reply_business_minutes,
    timed._changed_at
from timed
asof left join schedule_windows as started_window
    on
        timed.schedule = started_window.schedule
        and timed.reply_clock_started_at >= started_window.window_start
asof left join schedule_windows as replied_window
    on
        timed.schedule = replied_window.schedule
        and timed.replied_at >= replied_window.window_start
