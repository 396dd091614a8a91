with

tickets as (
    select * from {{ ref('tickets') }}
),

agents as (
    select
        agent_id,
        count(*) as ticket_count,
        {{ count_true('is_resolved') }} as resolved_ticket_count,
        avg(resolution_minutes) as mean_resolution_minutes,
        {{ percentile('resolution_minutes', 0.5) }} as median_resolution_minutes,
        avg(first_response_minutes) as mean_first_response_minutes,
        {{ percentile('first_response_minutes', 0.5) }} as median_first_response_minutes,
        {{ share_true('is_first_response_sla_met') }} as first_response_sla_rate,
        {{ share_true('is_resolution_sla_met') }} as resolution_sla_rate,
        {{ share_true('is_resolution_sla_met_in_business_hours') }}
            as resolution_sla_rate_in_business_hours,
        count(satisfaction_score) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('is_escalated') }} as escalation_rate,
        -- Reopen rate as everywhere: share of the resolved tickets reopened at least once.
        {{ share_true('(case when is_resolved then is_reopened end)') }} as reopen_rate,
        min(created_at) as first_ticket_at,
        max(created_at) as last_ticket_at
    from tickets
    where agent_id is not null
    group by agent_id
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
