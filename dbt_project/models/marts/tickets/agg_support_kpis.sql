with

tickets as (
    select * from {{ ref('tickets') }}
),

customers as (
    select * from {{ ref('customers') }}
),

agents as (
    select * from {{ ref('agents') }}
),

kpis as (
    select
        count(*) as ticket_count,
        {{ count_true('not is_resolved') }} as open_ticket_count,
        -- Distinct counts come from the customers and agents marts: one row each, already
        -- grouped, instead of two more distinct-counts over every ticket.
        (select count(*) from customers) as customer_count,
        (select count(*) from agents) as agent_count,
        min(created_date) as first_ticket_date,
        max(created_date) as last_ticket_date,
        avg(resolution_minutes) as mean_resolution_minutes,
        {{ percentile('resolution_minutes', 0.5) }} as median_resolution_minutes,
        {{ percentile('first_response_minutes', 0.5) }} as median_first_response_minutes,
        {{ share_true('is_first_response_sla_met') }} as first_response_sla_rate,
        {{ share_true('is_resolution_sla_met') }} as resolution_sla_rate,
        {{ share_true('is_resolution_sla_met_in_business_hours') }}
            as resolution_sla_rate_in_business_hours,
        {{ share_true('is_escalated') }} as escalation_rate,
        {{ share_true('(case when is_resolved then is_reopened end)') }} as reopen_rate,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('satisfaction_score >= 4') }} as satisfied_rate,
        {{ share_true('has_missing_resolution') }} as missing_resolution_rate,
        {{ share_true('has_invalid_value') }} as invalid_value_rate,
        {{ share_true('is_duplicated') }} as duplicated_ticket_rate
    from tickets
),

final as (
    select
        cast(ticket_count as bigint) as ticket_count,
        cast(open_ticket_count as bigint) as open_ticket_count,
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
