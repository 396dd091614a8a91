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
REPORT_QUERIES: dict[str, str] = {
    "kpis": """
        select
            count(*) as tickets,
            count(*) filter (where is_resolved) as resolved_tickets,
            count(*) filter (where not is_resolved) as open_tickets,
            round(avg(resolution_minutes), 2) as mean_resolution_minutes,
            round(median(resolution_minutes), 2) as median_resolution_minutes,
            round(avg(first_response_minutes), 2) as mean_first_response_minutes,
            round(100.0 * avg(is_escalated::int), 2) as escalation_rate_percent,
            round(100.0 * avg((reopened_count > 0)::int), 2) as reopen_rate_percent,
            round(100.0 * avg(is_resolution_sla_met::int), 2) as resolution_sla_met_percent,
            round(100.0 * avg(is_resolution_sla_met_in_business_hours::int), 2)
                as resolution_sla_met_business_hours_percent,
            round(avg(satisfaction_score), 3) as mean_satisfaction_score,
            count(*) filter (where has_invalid_value) as tickets_with_invalid_values,
            count(*) filter (where is_duplicated) as tickets_exported_more_than_once
        from filtered
    """,
    "category_distribution": """
        select
            coalesce(category, '(unknown)') as category,
            count(*) as tickets,
            round(100.0 * count(*) / sum(count(*)) over (), 2) as share_percent
        from filtered group by all order by tickets desc
    """,
    "priority_distribution": """
        select
            coalesce(priority, '(invalid)') as priority,
            count(*) as tickets,
            round(100.0 * count(*) / sum(count(*)) over (), 2) as share_percent
        from filtered group by all order by tickets desc
    """,
    "daily_volume": """
        select created_date, count(*) as tickets
        from filtered where created_date is not null group by all order by created_date
    """,
    "resolution_by_category": """
        select
            coalesce(category, '(unknown)') as category,
            count(resolution_minutes) as resolved_tickets,
            round(avg(resolution_minutes), 2) as mean_resolution_minutes,
            round(median(resolution_minutes), 2) as median_resolution_minutes,
            round(quantile_cont(resolution_minutes, 0.9), 2) as p90_resolution_minutes
        from filtered group by all order by mean_resolution_minutes desc nulls last
    """,
    "resolution_hours_histogram": """
        select
            least(floor(resolution_minutes / 60), 96)::int as resolution_hours_bucket,
            count(*) as tickets
        from filtered where resolution_minutes is not null group by all order by 1
    """,
    "escalation_by_category": """
        select
            coalesce(category, '(unknown)') as category,
            count(*) as tickets,
            round(100.0 * avg(is_escalated::int), 2) as escalation_rate_percent
        from filtered group by all order by escalation_rate_percent desc
    """,
    "sla_by_priority": """
        select
            coalesce(priority, '(invalid)') as priority,
            count(*) as tickets,
            round(100.0 * avg(is_first_response_sla_met::int), 2) as first_response_sla_met_percent,
            round(100.0 * avg(is_resolution_sla_met::int), 2) as resolution_sla_met_percent,
            round(100.0 * avg(is_resolution_sla_met_in_business_hours::int), 2)
                as resolution_sla_met_business_hours_percent
        from filtered group by all order by priority
    """,
    "csat_by_channel": """
        select
            coalesce(channel, '(unknown)') as channel,
            count(satisfaction_score) as responses,
            round(avg(satisfaction_score), 3) as mean_satisfaction_score
        from filtered group by all order by mean_satisfaction_score desc nulls last
    """,
    "agent_performance": """
        select
            agent_id,
            count(*) as tickets,
            round(median(resolution_minutes), 2) as median_resolution_minutes,
            round(avg(first_response_minutes), 2) as mean_first_response_minutes,
            round(100.0 * avg(is_resolution_sla_met::int), 2) as resolution_sla_met_percent,
            round(avg(satisfaction_score), 3) as mean_satisfaction_score,
            round(100.0 * avg(is_escalated::int), 2) as escalation_rate_percent
        from filtered where agent_id is not null group by all order by tickets desc
    """,
    "arrival_heatmap": """
        select
            isodow(created_at) as iso_weekday,
            hour(created_at) as hour_of_day,
            count(*) as tickets
        from filtered where created_at is not null group by all order by 1, 2
    """,
    "message_length_histogram": """
        select
            least(floor(len(string_split(trim(message), ' ')) / 10) * 10, 200)::int
                as message_words_bucket,
            count(*) as tickets
        from filtered where message is not null and trim(message) <> '' group by all order by 1
    """,
    "tickets_per_customer": """
        select customer_id, count(*) as tickets
        from filtered where customer_id is not null group by all order by tickets desc, customer_id
    """,
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
