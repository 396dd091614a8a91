-- The rates, means and medians from the additive measures (agg_ticket_measures_daily), where
-- they are defined: the analytics report re-aggregates the same columns for any date and
-- agent selection, so its unfiltered headline equals this row.
with

measures as (
    select * from {{ ref('agg_ticket_measures_daily') }}
),

customers as (
    select * from {{ ref('customers') }}
),

agents as (
    select * from {{ ref('agents') }}
),

kpis as (
    select
        sum(ticket_count) as ticket_count,
        sum(ticket_count - resolved_ticket_count) as open_ticket_count,
        -- Distinct counts come from the customers and agents marts: one row each, already
        -- grouped, instead of two more distinct-counts over every ticket.
        (select count(*) from customers) as customer_count,
        (select count(*) from agents) as agent_count,
        min(created_date) as first_ticket_date,
        max(created_date) as last_ticket_date,
        {{ rate_of_sums('resolution_minutes_sum', 'timed_ticket_count') }}
            as mean_resolution_minutes,
        {{ percentile_of_lists('resolution_minutes_values', 0.5) }}
            as median_resolution_minutes,
        {{ percentile_of_lists('first_response_minutes_values', 0.5) }}
            as median_first_response_minutes,
        {{ rate_of_sums('first_response_sla_met_count', 'first_response_judged_count') }}
            as first_response_sla_rate,
        {{ rate_of_sums('resolution_sla_met_count', 'resolution_judged_count') }}
            as resolution_sla_rate,
        {{
            rate_of_sums(
                'resolution_sla_met_in_business_hours_count',
                'resolution_judged_in_business_hours_count'
            )
        }}
            as resolution_sla_rate_in_business_hours,
        {{ rate_of_sums('escalated_ticket_count', 'escalation_known_count') }} as escalation_rate,
        {{ rate_of_sums('reopened_ticket_count', 'reopen_known_count') }} as reopen_rate,
        {{ rate_of_sums('satisfaction_score_sum', 'rated_ticket_count') }}
            as mean_satisfaction_score,
        {{ rate_of_sums('satisfied_ticket_count', 'rated_ticket_count') }} as satisfied_rate,
        {{ rate_of_sums('missing_resolution_count', 'missing_resolution_known_count') }}
            as missing_resolution_rate,
        {{ rate_of_sums('invalid_value_count', 'invalid_value_known_count') }}
            as invalid_value_rate,
        {{ rate_of_sums('duplicated_ticket_count', 'duplicated_known_count') }}
            as duplicated_ticket_rate
    from measures
),

final as (
    select
        cast(coalesce(ticket_count, 0) as bigint) as ticket_count,
        cast(coalesce(open_ticket_count, 0) as bigint) as open_ticket_count,
        cast(customer_count as bigint) as customer_count,
        cast(agent_count as bigint) as agent_count,
        cast(first_ticket_date as date) as first_ticket_date,
        cast(last_ticket_date as date) as last_ticket_date,
        cast(mean_resolution_minutes as double) as mean_resolution_minutes,
        cast(median_resolution_minutes as double) as median_resolution_minutes,
        cast(median_first_response_minutes as double) as median_first_response_minutes,
        cast(first_response_sla_rate as double) as first_response_sla_rate,
        cast(resolution_sla_rate as double) as resolution_sla_rate,
        cast(
            resolution_sla_rate_in_business_hours as double
        ) as resolution_sla_rate_in_business_hours,
        cast(escalation_rate as double) as escalation_rate,
        cast(reopen_rate as double) as reopen_rate,
        cast(mean_satisfaction_score as double) as mean_satisfaction_score,
        cast(satisfied_rate as double) as satisfied_rate,
        cast(missing_resolution_rate as double) as missing_resolution_rate,
        cast(invalid_value_rate as double) as invalid_value_rate,
        cast(duplicated_ticket_rate as double) as duplicated_ticket_rate
    from kpis
)

select * from final
