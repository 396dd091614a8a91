"""SQL for the analytics report. Filters are bound parameters ($start_date, $end_date,
$agent_id), never pasted into the SQL text.

The metrics are defined once, in dbt: every rate, mean and median here re-aggregates
marts.agg_ticket_measures_daily (counts and sums per day x agent x category x priority x
channel x queue), a rate as sum(numerator) / sum(denominator), so the unfiltered report equals
the roll-up marts built from the same mart. Labels and units are the marts': 'Unknown' for a
missing category, priority, channel or queue, rates as fractions 0-1, durations in minutes
(the HTML page shows percent and hours). Only what is not a metric (histograms, arrivals,
backlog by week, tickets per customer) is counted from marts.tickets directly.
"""

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

FILTERED_MEASURES = """
measures as (
    select *
    from marts.agg_ticket_measures_daily
    where ($start_date::date is null or created_date >= $start_date::date)
      and ($end_date::date is null or created_date <= $end_date::date)
      and ($agent_id::varchar is null or agent_id = $agent_id::varchar)
)
"""


def rate(numerator: str, denominator: str) -> str:
    """A rate over a selection of the measures mart: null when nothing is known."""
    return f"sum({numerator}) / nullif(sum({denominator}), 0)"


def percentile(values: str, fraction: float) -> str:
    """An exact percentile over the sorted duration lists of the selected cells."""
    return f"list_aggregate(flatten(list({values})), 'quantile_cont', {fraction})"


TOTAL = "cast(coalesce(sum(ticket_count), 0) as bigint)"

# name -> query body run after FILTERED_TICKETS and FILTERED_MEASURES; every table lands in the
# report as CSV + parquet.
REPORT_QUERIES: dict[str, str] = {
    "kpis": f"""
        select
            {TOTAL} as ticket_count,
            cast(coalesce(sum(resolved_ticket_count), 0) as bigint) as resolved_ticket_count,
            cast(coalesce(sum(ticket_count - resolved_ticket_count), 0) as bigint)
                as open_ticket_count,
            {rate("resolution_minutes_sum", "timed_ticket_count")} as mean_resolution_minutes,
            {percentile("resolution_minutes_values", 0.5)} as median_resolution_minutes,
            {rate("first_response_minutes_sum", "responded_ticket_count")}
                as mean_first_response_minutes,
            {percentile("first_response_minutes_values", 0.5)} as median_first_response_minutes,
            {rate("first_response_sla_met_count", "first_response_judged_count")}
                as first_response_sla_rate,
            {rate("resolution_sla_met_count", "resolution_judged_count")} as resolution_sla_rate,
            {
        rate(
            "resolution_sla_met_in_business_hours_count",
            "resolution_judged_in_business_hours_count",
        )
    }
                as resolution_sla_rate_in_business_hours,
            {rate("escalated_ticket_count", "escalation_known_count")} as escalation_rate,
            {rate("reopened_ticket_count", "reopen_known_count")} as reopen_rate,
            {rate("satisfaction_score_sum", "rated_ticket_count")} as mean_satisfaction_score,
            {rate("satisfied_ticket_count", "rated_ticket_count")} as satisfied_rate,
            {rate("missing_resolution_count", "missing_resolution_known_count")}
                as missing_resolution_rate,
            {rate("invalid_value_count", "invalid_value_known_count")} as invalid_value_rate,
            {rate("duplicated_ticket_count", "duplicated_known_count")} as duplicated_ticket_rate
        from measures
    """,
    "category_distribution": f"""
        select
            category,
            {TOTAL} as ticket_count,
            sum(ticket_count) / sum(sum(ticket_count)) over () as ticket_share
        from measures group by all order by ticket_count desc, category
    """,
    "priority_distribution": f"""
        select
            priority,
            {TOTAL} as ticket_count,
            sum(ticket_count) / sum(sum(ticket_count)) over () as ticket_share
        from measures group by all order by ticket_count desc, priority
    """,
    "daily_volume": f"""
        select created_date, {TOTAL} as ticket_count
        from measures where created_date is not null group by all order by created_date
    """,
    "weekly_trends": f"""
        -- Per ISO week of creation: volume, resolution-SLA breaches and CSAT; the backlog
        -- (open at the week's end, and how old those tickets were) comes from weekly_backlog.
        select
            date_trunc('week', created_date)::date as week_start,
            {TOTAL} as ticket_count,
            cast(sum(resolution_judged_count - resolution_sla_met_count) as bigint)
                as resolution_sla_breach_count,
            {rate("resolution_sla_met_count", "resolution_judged_count")} as resolution_sla_rate,
            cast(sum(rated_ticket_count) as bigint) as rated_ticket_count,
            {rate("satisfaction_score_sum", "rated_ticket_count")} as mean_satisfaction_score
        from measures where created_date is not null group by all order by week_start
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
    "resolution_by_category": f"""
        select
            category,
            cast(sum(timed_ticket_count) as bigint) as resolved_ticket_count,
            {rate("resolution_minutes_sum", "timed_ticket_count")} as mean_resolution_minutes,
            {percentile("resolution_minutes_values", 0.5)} as median_resolution_minutes,
            {percentile("resolution_minutes_values", 0.9)} as p90_resolution_minutes
        from measures group by all order by mean_resolution_minutes desc nulls last, category
    """,
    "resolution_hours_histogram": """
        select
            least(floor(resolution_minutes / 60), 96)::int as resolution_hours_bucket,
            count(*) as ticket_count
        from filtered where resolution_minutes is not null group by all order by 1
    """,
    "escalation_by_category": f"""
        select
            category,
            {TOTAL} as ticket_count,
            {rate("escalated_ticket_count", "escalation_known_count")} as escalation_rate
        from measures group by all order by escalation_rate desc nulls last, category
    """,
    "sla_by_priority": f"""
        select
            priority,
            {TOTAL} as ticket_count,
            {rate("first_response_sla_met_count", "first_response_judged_count")}
                as first_response_sla_rate,
            {rate("resolution_sla_met_count", "resolution_judged_count")} as resolution_sla_rate,
            {
        rate(
            "resolution_sla_met_in_business_hours_count",
            "resolution_judged_in_business_hours_count",
        )
    }
                as resolution_sla_rate_in_business_hours
        from measures group by all order by priority
    """,
    "csat_by_channel": f"""
        select
            channel,
            cast(sum(rated_ticket_count) as bigint) as rated_ticket_count,
            {rate("satisfaction_score_sum", "rated_ticket_count")} as mean_satisfaction_score
        from measures group by all having sum(rated_ticket_count) > 0
        order by mean_satisfaction_score desc, channel
    """,
    "agent_performance": f"""
        -- The agents mart's measures, over the report's selection; busiest agents first.
        select
            agent_id,
            {TOTAL} as ticket_count,
            cast(sum(resolved_ticket_count) as bigint) as resolved_ticket_count,
            {percentile("resolution_minutes_values", 0.5)} as median_resolution_minutes,
            {percentile("first_response_minutes_values", 0.5)} as median_first_response_minutes,
            {rate("resolution_sla_met_count", "resolution_judged_count")} as resolution_sla_rate,
            cast(sum(rated_ticket_count) as bigint) as rated_ticket_count,
            {rate("satisfaction_score_sum", "rated_ticket_count")} as mean_satisfaction_score,
            {rate("escalated_ticket_count", "escalation_known_count")} as escalation_rate,
            {rate("reopened_ticket_count", "reopen_known_count")} as reopen_rate
        from measures where agent_id is not null group by all
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

# The figures of the notebook this report replaces, computed its way: tickets with a missing
# resolution time dropped first (the measures' timed_* columns), then aggregated, in percent as
# the notebook printed them (the names say so). Rounding happens in Python, half to even, as
# pandas' .round(2) did.
NOTEBOOK_PROCESSED = "processed as (select * from filtered where resolution_minutes is not null)"
NOTEBOOK_QUERIES: dict[str, str] = {
    "totals": f"""
        select
            cast(coalesce(sum(timed_ticket_count), 0) as bigint) as total_processed_tickets,
            100.0 * {rate("timed_escalated_ticket_count", "timed_escalation_known_count")}
                as escalation_rate
        from measures
    """,
    "by_category": f"""
        select
            category,
            {rate("resolution_minutes_sum", "timed_ticket_count")} as average_resolution_minutes,
            100.0 * {rate("timed_escalated_ticket_count", "timed_escalation_known_count")}
                as escalation_rate
        from measures group by category having sum(timed_ticket_count) > 0 order by category
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
