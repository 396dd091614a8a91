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
        sum(resolution_minutes_sum) / nullif(sum(timed_ticket_count), 0)
            as mean_resolution_minutes,
        list_aggregate(flatten(list(resolution_minutes_values)), 'quantile_cont', 0.5)
            as median_resolution_minutes,
        list_aggregate(flatten(list(first_response_minutes_values)), 'quantile_cont', 0.5)
            as median_first_response_minutes,
        sum(first_response_sla_met_count) / nullif(sum(first_response_judged_count), 0)
            as first_response_sla_rate,
        sum(resolution_sla_met_count) / nullif(sum(resolution_judged_count), 0)
            as resolution_sla_rate,
        sum(resolution_sla_met_in_business_hours_count)
        / nullif(sum(resolution_judged_in_business_hours_count), 0)
            as resolution_sla_rate_in_business_hours,
        sum(escalated_ticket_count) / nullif(sum(escalation_known_count), 0) as escalation_rate,
        sum(reopened_ticket_count) / nullif(sum(reopen_known_count), 0) as reopen_rate,
        sum(satisfaction_score_sum) / nullif(sum(rated_ticket_count), 0)
            as mean_satisfaction_score,
        sum(satisfied_ticket_count) / nullif(sum(rated_ticket_count), 0) as satisfied_rate,
        sum(missing_resolution_count) / nullif(sum(missing_resolution_known_count), 0)
            as missing_resolution_rate,
        sum(invalid_value_count) / nullif(sum(invalid_value_known_count), 0)
            as invalid_value_rate,
        sum(duplicated_ticket_count) / nullif(sum(duplicated_known_count), 0)
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
