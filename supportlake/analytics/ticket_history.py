"""The analytics report's ticket-history part: reply times, touches, SLA breaches and the
backlog by age, from the marts/ticket_history models (docs/ticket_history.md). Each table runs
only when its marts exist, like the topic tables; without them the sections say why."""

from __future__ import annotations

import duckdb
import pandas as pd

# Tickets of the report's selection: created in its date range (events-only tickets included,
# by their history's creation) and, with an agent filter, that agent's tickets.
HISTORY_TICKETS = """
, history as (
    select metrics.*
    from marts.ticket_event_metrics as metrics
    where metrics.trusted_event_count > 0
      and ($start_date::date is null or metrics.created_at::date >= $start_date::date)
      and ($end_date::date is null or metrics.created_at::date <= $end_date::date)
      and ($agent_id::varchar is null
           or metrics.ticket_id in (select ticket_id from filtered))
)
"""

# name -> (tables it needs, query body after FILTERED_TICKETS + HISTORY_TICKETS)
HISTORY_QUERIES: dict[str, tuple[tuple[str, ...], str]] = {
    "history_kpis": (
        ("marts.ticket_event_metrics",),
        """
        select
            count(*) as ticket_count,
            count(*) filter (where is_solved) as solved_ticket_count,
            count(*) filter (where is_closed_by_merge) as merged_ticket_count,
            avg(is_one_touch_resolution::int) filter (where is_solved) as one_touch_rate,
            avg(is_two_touch_resolution::int) filter (where is_solved) as two_touch_rate,
            avg(is_multi_touch_resolution::int) filter (where is_solved) as multi_touch_rate,
            avg(first_reply_calendar_minutes) as mean_first_reply_minutes,
            median(first_reply_calendar_minutes) as median_first_reply_minutes,
            median(first_reply_business_minutes) as median_first_reply_business_minutes,
            avg(requester_wait_calendar_minutes) as mean_requester_wait_minutes,
            avg((reopen_count > 0)::int) filter (where is_solved) as reopen_rate,
            avg(handoff_count) as mean_handoffs
        from history
        """,
    ),
    "reply_time_distribution": (
        ("marts.ticket_event_metrics", "marts.ticket_reply_times"),
        """
        select
            reply,
            reply_time,
            count(*) as reply_count,
            count(*) / sum(count(*)) over (partition by reply) as reply_share
        from (
            select
                case when replies.is_first_reply then 'first reply' else 'next reply' end
                    as reply,
                case
                    when replies.reply_calendar_minutes < 15 then '1: under 15 min'
                    when replies.reply_calendar_minutes < 60 then '2: 15-60 min'
                    when replies.reply_calendar_minutes < 240 then '3: 1-4 h'
                    when replies.reply_calendar_minutes < 1440 then '4: 4-24 h'
                    else '5: a day or more'
                end as reply_time
            from marts.ticket_reply_times as replies
            inner join history on replies.ticket_id = history.ticket_id
            where replies.replied_at is not null
        ) as answered
        group by reply, reply_time order by reply, reply_time
        """,
    ),
    "weekly_sla_breaches": (
        ("marts.ticket_event_metrics", "marts.ticket_sla_events"),
        """
        select
            date_trunc('week', sla.sla_started_at)::date as week_start,
            sla.metric,
            count(*) as sla_count,
            count(*) filter (where sla.is_breached) as breached_count,
            avg(sla.is_breached::int) as breach_rate,
            count(*) filter (where sla.is_active) as active_count
        from marts.ticket_sla_events as sla
        inner join history on sla.ticket_id = history.ticket_id
        group by all order by week_start, sla.metric
        """,
    ),
    "backlog_by_age": (
        ("marts.ticket_event_metrics", "marts.ticket_backlog_daily"),
        """
        select
            snapshot_date,
            age_bucket,
            sum(ticket_count) as open_ticket_count
        from marts.ticket_backlog_daily
        where snapshot_date = (
            select max(snapshot_date) from marts.ticket_backlog_daily
            where $end_date::date is null or snapshot_date <= $end_date::date
        )
        group by all order by age_bucket
        """,
    ),
    "agent_leaderboard": (
        ("marts.ticket_event_metrics", "marts.ticket_history_agents"),
        """
        select
            agent_id,
            public_reply_count,
            assigned_ticket_count,
            solved_ticket_count,
            one_touch_rate,
            median_first_reply_minutes,
            handle_minutes,
            handoffs_received,
            mean_satisfaction_score
        from marts.ticket_history_agents
        where $agent_id::varchar is null or agent_id = $agent_id::varchar
        order by solved_ticket_count desc, public_reply_count desc, agent_id
        limit 15
        """,
    ),
}

SECTION_NOTES = {
    "history_kpis": "From ticket events: touches among solved tickets, reply times in "
    "minutes (calendar; business on the queue's schedule), handoffs between agents.",
    "reply_time_distribution": "Answered replies by how long the requester waited.",
    "weekly_sla_breaches": "SLA clocks by the week they started (seeds/sla_policies.csv).",
    "backlog_by_age": "Unsolved tickets at the end of the selection's last day, by age.",
    "agent_leaderboard": "Agents with the most solves among their current tickets, over all "
    "loaded history: one-touch rate, median first reply and handle time (minutes assigned "
    "while New or Open); a ticket closed by a merge is no solve.",
}
NO_HISTORY = (
    "Ticket-history metrics need ticket events: load an audit, changelog or conversations "
    "export into landing/ticket_events (docs/ticket_history.md) and run `supportlake build`."
)


def compute_history_tables(
    connection: duckdb.DuckDBPyConnection, filters, filtered_tickets: str, existing: set[str]
) -> dict[str, pd.DataFrame]:
    """The history tables whose marts exist; none before the first event build."""
    return {
        name: connection.execute(
            filtered_tickets + HISTORY_TICKETS + body, filters.parameters()
        ).df()
        for name, (needs, body) in HISTORY_QUERIES.items()
        if set(needs) <= existing
    }


def history_sections(tables: dict[str, pd.DataFrame], html_table) -> list[dict[str, object]]:
    """One report section per history table; each says why when it is empty."""
    sections = []
    for name in HISTORY_QUERIES:
        frame = tables.get(name)
        has_rows = frame is not None and not frame.empty
        if (
            name == "history_kpis"
            and frame is not None
            and has_rows
            and int(frame["ticket_count"].iloc[0]) == 0
        ):
            has_rows = False
        sections.append(
            {
                "title": "Ticket history: " + name.replace("_", " "),
                "note": SECTION_NOTES[name],
                "table": html_table(frame) if has_rows else None,
                "empty": NO_HISTORY if frame is None else "No ticket history in this selection.",
            }
        )
    return sections
