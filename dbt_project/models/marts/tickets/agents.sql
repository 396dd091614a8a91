-- The agents' rates, means and medians from the additive measures (agg_ticket_measures_daily),
-- with the same macros as agg_support_kpis: the analytics report's leaderboard re-aggregates
-- the same columns, so its unfiltered rows equal this mart.
with

measures as (
    select * from {{ ref('agg_ticket_measures_daily') }}
    where agent_id is not null
),

tickets as (
    select * from {{ ref('tickets') }}
),

ticket_times as (
    select
        agent_id,
        min(created_at) as first_ticket_at,
        max(created_at) as last_ticket_at
    from tickets
    where agent_id is not null
    group by agent_id
),

agents as (
    select
        measures.agent_id,
        sum(measures.ticket_count) as ticket_count,
        sum(measures.resolved_ticket_count) as resolved_ticket_count,
        {{ rate_of_sums('measures.resolution_minutes_sum', 'measures.timed_ticket_count') }}
            as mean_resolution_minutes,
        {{ percentile_of_lists('measures.resolution_minutes_values', 0.5) }}
            as median_resolution_minutes,
        {{
            rate_of_sums(
                'measures.first_response_minutes_sum', 'measures.responded_ticket_count'
            )
        }} as mean_first_response_minutes,
        {{ percentile_of_lists('measures.first_response_minutes_values', 0.5) }}
            as median_first_response_minutes,
        {{
            rate_of_sums(
                'measures.first_response_sla_met_count', 'measures.first_response_judged_count'
            )
        }} as first_response_sla_rate,
        {{ rate_of_sums('measures.resolution_sla_met_count', 'measures.resolution_judged_count') }}
            as resolution_sla_rate,
        {{
            rate_of_sums(
                'measures.resolution_sla_met_in_business_hours_count',
                'measures.resolution_judged_in_business_hours_count'
            )
        }} as resolution_sla_rate_in_business_hours,
        sum(measures.rated_ticket_count) as rated_ticket_count,
        {{ rate_of_sums('measures.satisfaction_score_sum', 'measures.rated_ticket_count') }}
            as mean_satisfaction_score,
        {{ rate_of_sums('measures.escalated_ticket_count', 'measures.escalation_known_count') }}
            as escalation_rate,
        -- Reopen rate as everywhere: share of the resolved tickets reopened at least once.
        {{ rate_of_sums('measures.reopened_ticket_count', 'measures.reopen_known_count') }}
            as reopen_rate,
        any_value(ticket_times.first_ticket_at) as first_ticket_at,
        any_value(ticket_times.last_ticket_at) as last_ticket_at
    from measures
    left join ticket_times on measures.agent_id = ticket_times.agent_id
    group by measures.agent_id
),

final as (
    select
        cast(agent_id as varchar) as agent_id,
        cast(ticket_count as bigint) as ticket_count,
        cast(resolved_ticket_count as bigint) as resolved_ticket_count,
        cast(mean_resolution_minutes as double) as mean_resolution_minutes,
        cast(median_resolution_minutes as double) as median_resolution_minutes,
        cast(mean_first_response_minutes as double) as mean_first_response_minutes,
        cast(median_first_response_minutes as double) as median_first_response_minutes,
        cast(first_response_sla_rate as double) as first_response_sla_rate,
        cast(resolution_sla_rate as double) as resolution_sla_rate,
        cast(
            resolution_sla_rate_in_business_hours as double
        ) as resolution_sla_rate_in_business_hours,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(mean_satisfaction_score as double) as mean_satisfaction_score,
        cast(escalation_rate as double) as escalation_rate,
        cast(reopen_rate as double) as reopen_rate,
        cast(first_ticket_at as timestamp) as first_ticket_at,
        cast(last_ticket_at as timestamp) as last_ticket_at
    from agents
)

select * from final
