"""SQL for the analytics report. Filters are bound parameters ($start_date, $end_date,
$agent_id), never pasted into the SQL text."""

from __future__ import annotations

FILTERED_TICKETS = """
with filtered as (
    select *
    from marts.tickets
    where ($start_date::date is null or created_date >= $start_date::date)
      and ($end_date::date is null or created_date <= $end_date::date)
      and ($agent_id::varchar is null or agent_id = $agent_id::varchar)
)
"""

# name -> query body run after FILTERED_TICKETS; every table lands in the report as CSV + parquet.
# Measures carry the marts' names and units (agg_support_kpis, agents): durations in minutes,
# rates as fractions 0-1; the HTML page shows rates as percent and durations in hours.
REPORT_QUERIES: dict[str, str] = {
    "kpis": """
        select
            count(*) as ticket_count,
            count(*) filter (where is_resolved) as resolved_ticket_count,
            count(*) filter (where not is_resolved) as open_ticket_count,
            avg(resolution_minutes) as mean_resolution_minutes,
            median(resolution_minutes) as median_resolution_minutes,
            avg(first_response_minutes) as mean_first_response_minutes,
            median(first_response_minutes) as median_first_response_minutes,
            avg(is_first_response_sla_met::int) as first_response_sla_rate,
            avg(is_resolution_sla_met::int) as resolution_sla_rate,
            avg(is_resolution_sla_met_in_business_hours::int)
                as resolution_sla_rate_in_business_hours,
            avg(is_escalated::int) as escalation_rate,
            avg(is_reopened::int) filter (where is_resolved) as reopen_rate,
            avg(satisfaction_score) as mean_satisfaction_score,
            avg((satisfaction_score >= 4)::int) as satisfied_rate,
            avg(has_missing_resolution::int) as missing_resolution_rate,
            avg(has_invalid_value::int) as invalid_value_rate,
            avg(is_duplicated::int) as duplicated_ticket_rate
        from filtered
    """,
    "category_distribution": """
        select
            coalesce(category, '(missing)') as category,
            count(*) as ticket_count,
            count(*) / sum(count(*)) over () as ticket_share
        from filtered group by all order by ticket_count desc
    """,
    "priority_distribution": """
        select
            coalesce(priority, '(missing or invalid)') as priority,
            count(*) as ticket_count,
            count(*) / sum(count(*)) over () as ticket_share
        from filtered group by all order by ticket_count desc
    """,
    "daily_volume": """
        select created_date, count(*) as ticket_count
        from filtered where created_date is not null group by all order by created_date
    """,
    "weekly_trends": """
        -- Per ISO week of creation: volume, resolution-SLA breaches and CSAT; the backlog
        -- (open at the week's end, and how old those tickets were) comes from weekly_backlog.
        select
            date_trunc('week', created_date)::date as week_start,
            count(*) as ticket_count,
            count(*) filter (where not is_resolution_sla_met) as resolution_sla_breach_count,
            avg(is_resolution_sla_met::int) as resolution_sla_rate,
            count(satisfaction_score) as rated_ticket_count,
            avg(satisfaction_score) as mean_satisfaction_score
        from filtered where created_date is not null group by all order by week_start
    """,
    "weekly_backlog": """
        -- Open at the end of each week (created by then, not resolved by then) and their age.
        select
            weeks.week_start,
            count(filtered.created_at) as open_ticket_count,
            median(date_diff('minute', filtered.created_at, weeks.week_start + 7) / 60.0)
                as median_backlog_age_hours,
            avg(date_diff('minute', filtered.created_at, weeks.week_start + 7) / 60.0)
                as mean_backlog_age_hours
        from (
            select unnest(generate_series(
                date_trunc('week', (select min(created_date) from filtered)),
                date_trunc('week', (select max(created_date) from filtered)),
                interval 7 day
            ))::date as week_start
        ) as weeks
        left join filtered
            on filtered.created_at < weeks.week_start + 7
            and (filtered.resolved_at is null or filtered.resolved_at >= weeks.week_start + 7)
        group by all order by weeks.week_start
    """,
    "resolution_by_category": """
        select
            coalesce(category, '(missing)') as category,
            count(resolution_minutes) as resolved_ticket_count,
            avg(resolution_minutes) as mean_resolution_minutes,
            median(resolution_minutes) as median_resolution_minutes,
            quantile_cont(resolution_minutes, 0.9) as p90_resolution_minutes
        from filtered group by all order by mean_resolution_minutes desc nulls last
    """,
    "resolution_hours_histogram": """
        select
            least(floor(resolution_minutes / 60), 96)::int as resolution_hours_bucket,
            count(*) as ticket_count
        from filtered where resolution_minutes is not null group by all order by 1
    """,
    "escalation_by_category": """
        select
            coalesce(category, '(missing)') as category,
            count(*) as ticket_count,
            avg(is_escalated::int) as escalation_rate
        from filtered group by all order by escalation_rate desc
    """,
    "sla_by_priority": """
        select
            coalesce(priority, '(missing or invalid)') as priority,
            count(*) as ticket_count,
            avg(is_first_response_sla_met::int) as first_response_sla_rate,
            avg(is_resolution_sla_met::int) as resolution_sla_rate,
            avg(is_resolution_sla_met_in_business_hours::int)
                as resolution_sla_rate_in_business_hours
        from filtered group by all order by priority
    """,
    "csat_by_channel": """
        select
            coalesce(channel, '(missing)') as channel,
            count(satisfaction_score) as rated_ticket_count,
            avg(satisfaction_score) as mean_satisfaction_score
        from filtered group by all order by mean_satisfaction_score desc nulls last
    """,
    "agent_performance": """
        -- The agents mart's measures, over the report's selection; busiest agents first.
        select
            agent_id,
            count(*) as ticket_count,
            count(*) filter (where is_resolved) as resolved_ticket_count,
            median(resolution_minutes) as median_resolution_minutes,
            median(first_response_minutes) as median_first_response_minutes,
            avg(is_resolution_sla_met::int) as resolution_sla_rate,
            count(satisfaction_score) as rated_ticket_count,
            avg(satisfaction_score) as mean_satisfaction_score,
            avg(is_escalated::int) as escalation_rate,
            avg(is_reopened::int) filter (where is_resolved) as reopen_rate
        from filtered where agent_id is not null group by all
        order by ticket_count desc, agent_id
    """,
    "arrival_heatmap": """
        select
            isodow(created_at) as iso_weekday,
            hour(created_at) as hour_of_day,
            count(*) as ticket_count
        from filtered where created_at is not null group by all order by 1, 2
    """,
    "message_length_histogram": """
        select
            least(floor(len(string_split(trim(message), ' ')) / 10) * 10, 200)::int
                as message_words_bucket,
            count(*) as ticket_count
        from filtered where message is not null and trim(message) <> '' group by all order by 1
    """,
    "tickets_per_customer": """
        select customer_id, count(*) as ticket_count
        from filtered where customer_id is not null group by all
        order by ticket_count desc, customer_id
    """,
}

# Tables from the topics run (schema ml, marts topic_clusters / ticket_anomalies): absent until
# `supportlake topics` has run, so the report asks for them only when they exist.
TOPIC_QUERIES: dict[str, tuple[tuple[str, ...], str]] = {
    "weekly_topic_volume": (
        ("ml.ticket_clusters", "marts.topic_clusters"),
        """
        select
            date_trunc('week', filtered.created_date)::date as week_start,
            clusters.cluster_id,
            topics.cluster_label,
            count(*) as ticket_count
        from filtered
        inner join ml.ticket_clusters as clusters on filtered.ticket_id = clusters.ticket_id
        inner join marts.topic_clusters as topics on clusters.cluster_id = topics.cluster_id
        where filtered.created_date is not null
        group by all order by week_start, ticket_count desc
        """,
    ),
    "anomalies": (
        ("marts.ticket_anomalies",),
        """
        select anomaly_date, anomaly_type, series_type, series_value, series_label,
               observed_value, expected_value, z_score, explanation
        from marts.ticket_anomalies
        where ($start_date::date is null or anomaly_date >= $start_date::date)
          and ($end_date::date is null or anomaly_date <= $end_date::date)
        order by anomaly_date desc, abs(z_score) desc nulls last
        """,
    ),
}

# The figures of the notebook this report replaces, computed its way: drop tickets with a
# missing resolution time first, then aggregate what is left. Rounding happens in Python,
# half to even, as pandas' .round(2) did.
NOTEBOOK_PROCESSED = "processed as (select * from filtered where resolution_minutes is not null)"
NOTEBOOK_QUERIES: dict[str, str] = {
    "totals": """
        select
            count(*) as total_processed_tickets,
            100.0 * avg(is_escalated::int) as escalation_rate
        from processed
    """,
    "by_category": """
        select
            category,
            avg(resolution_minutes) as average_resolution_minutes,
            100.0 * avg(is_escalated::int) as escalation_rate
        from processed group by category order by category nulls last
    """,
    "tickets_per_customer": """
        select customer_id, count(*) as tickets
        from processed group by customer_id order by customer_id nulls last
    """,
}

SATISFACTION_TRAINING_ROWS = """
    select
        resolution_minutes, first_response_minutes, reopened_count, is_escalated,
        priority, category, channel, queue, satisfaction_score
    from marts.tickets
    where satisfaction_score is not null
    order by hash(ticket_id)
    limit $limit
"""
