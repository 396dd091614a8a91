{#- The additive measures of the tickets at the grain the report filters on (day created x
    agent) and groups by (category, priority, channel, queue): counts and sums only, so any
    selection re-aggregates them exactly, a rate as sum(numerator) / sum(denominator). A rate's
    denominator is the tickets where the measure is known (share_true's rule), e.g.
    escalation_rate = sum(escalated_ticket_count) / sum(escalation_known_count). The duration
    lists let a selection take exact medians and percentiles too.
    Incremental: a build recomputes only the cells that the tickets loaded since its newest
    load are in now, and the cells a ticket left (macros/incremental.sql), from every ticket
    of those cells; the pre-hook deletes those cells first, so a cell a ticket left goes or
    shrinks. -#}
-- The macro of the incremental branch keeps its own indentation.
-- noqa: disable=LT02
-- depends_on: {{ ref('stg_helpdesk__tickets') }}
with

{% if is_incremental() -%}

touched_cells as (
    {{ ticket_cells_touched_since(newest_loaded_at(this)) }}
),

tickets as (
    select every_ticket.*
    from {{ ref('tickets') }} as every_ticket
    inner join touched_cells
        on
            every_ticket.created_date is not distinct from touched_cells.created_date
            and every_ticket.agent_id is not distinct from touched_cells.agent_id
            and coalesce(every_ticket.category, 'Unknown') = touched_cells.category
            and coalesce(every_ticket.priority, 'Unknown') = touched_cells.priority
            and coalesce(every_ticket.channel, 'Unknown') = touched_cells.channel
            and coalesce(every_ticket.queue, 'Unknown') = touched_cells.queue
),
{%- else %}

tickets as (
    select * from {{ ref('tickets') }}
),
{%- endif %}

cells as (
    select
        created_date,
        agent_id,
        coalesce(category, 'Unknown') as category,
        coalesce(priority, 'Unknown') as priority,
        coalesce(channel, 'Unknown') as channel,
        coalesce(queue, 'Unknown') as queue,
        count(*) as ticket_count,
        {{ count_true('is_resolved') }} as resolved_ticket_count,
        count(resolution_minutes) as timed_ticket_count,
        sum(resolution_minutes) as resolution_minutes_sum,
        list(resolution_minutes order by resolution_minutes)
        filter (where resolution_minutes is not null) as resolution_minutes_values,
        count(business_resolution_minutes) as business_timed_ticket_count,
        sum(business_resolution_minutes) as business_resolution_minutes_sum,
        count(first_response_minutes) as responded_ticket_count,
        sum(first_response_minutes) as first_response_minutes_sum,
        list(first_response_minutes order by first_response_minutes)
        filter (where first_response_minutes is not null) as first_response_minutes_values,
        count(is_first_response_sla_met) as first_response_judged_count,
        {{ count_true('is_first_response_sla_met') }} as first_response_sla_met_count,
        count(is_first_response_sla_met_in_business_hours)
            as first_response_judged_in_business_hours_count,
        {{ count_true('is_first_response_sla_met_in_business_hours') }}
            as first_response_sla_met_in_business_hours_count,
        count(is_resolution_sla_met) as resolution_judged_count,
        {{ count_true('is_resolution_sla_met') }} as resolution_sla_met_count,
        count(is_resolution_sla_met_in_business_hours)
            as resolution_judged_in_business_hours_count,
        {{ count_true('is_resolution_sla_met_in_business_hours') }}
            as resolution_sla_met_in_business_hours_count,
        count(is_escalated) as escalation_known_count,
        {{ count_true('is_escalated') }} as escalated_ticket_count,
        -- The notebook's population: tickets with a resolution time.
        count(case when resolution_minutes is not null then is_escalated end)
            as timed_escalation_known_count,
        {{ count_true('resolution_minutes is not null and is_escalated') }}
            as timed_escalated_ticket_count,
        -- Reopen rate: share of resolved tickets reopened at least once.
        count(case when is_resolved then is_reopened end) as reopen_known_count,
        {{ count_true('is_resolved and is_reopened') }} as reopened_ticket_count,
        count(satisfaction_score) as rated_ticket_count,
        sum(satisfaction_score) as satisfaction_score_sum,
        {{ count_true('satisfaction_score >= 4') }} as satisfied_ticket_count,
        count(has_missing_resolution) as missing_resolution_known_count,
        {{ count_true('has_missing_resolution') }} as missing_resolution_count,
        count(has_invalid_value) as invalid_value_known_count,
        {{ count_true('has_invalid_value') }} as invalid_value_count,
        count(is_duplicated) as duplicated_known_count,
        {{ count_true('is_duplicated') }} as duplicated_ticket_count,
        max(_loaded_at) as newest_loaded_at
    from tickets
    group by all
),

final as (
    select
        cast(created_date as date) as created_date,
        cast(agent_id as varchar) as agent_id,
        cast(category as varchar) as category,
        cast(priority as varchar) as priority,
        cast(channel as varchar) as channel,
        cast(queue as varchar) as queue,
        cast(ticket_count as bigint) as ticket_count,
        cast(resolved_ticket_count as bigint) as resolved_ticket_count,
        cast(timed_ticket_count as bigint) as timed_ticket_count,
        cast(resolution_minutes_sum as double) as resolution_minutes_sum,
        cast(coalesce(resolution_minutes_values, []) as double[]) as resolution_minutes_values,
        cast(business_timed_ticket_count as bigint) as business_timed_ticket_count,
        cast(business_resolution_minutes_sum as double) as business_resolution_minutes_sum,
        cast(responded_ticket_count as bigint) as responded_ticket_count,
        cast(first_response_minutes_sum as double) as first_response_minutes_sum,
        cast(
            coalesce(first_response_minutes_values, []) as double[]
        ) as first_response_minutes_values,
        cast(first_response_judged_count as bigint) as first_response_judged_count,
        cast(first_response_sla_met_count as bigint) as first_response_sla_met_count,
        cast(
            first_response_judged_in_business_hours_count as bigint
        ) as first_response_judged_in_business_hours_count,
        cast(
            first_response_sla_met_in_business_hours_count as bigint
        ) as first_response_sla_met_in_business_hours_count,
        cast(resolution_judged_count as bigint) as resolution_judged_count,
        cast(resolution_sla_met_count as bigint) as resolution_sla_met_count,
        cast(
            resolution_judged_in_business_hours_count as bigint
        ) as resolution_judged_in_business_hours_count,
        cast(
            resolution_sla_met_in_business_hours_count as bigint
        ) as resolution_sla_met_in_business_hours_count,
        cast(escalation_known_count as bigint) as escalation_known_count,
        cast(escalated_ticket_count as bigint) as escalated_ticket_count,
        cast(timed_escalation_known_count as bigint) as timed_escalation_known_count,
        cast(timed_escalated_ticket_count as bigint) as timed_escalated_ticket_count,
        cast(reopen_known_count as bigint) as reopen_known_count,
        cast(reopened_ticket_count as bigint) as reopened_ticket_count,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(satisfaction_score_sum as double) as satisfaction_score_sum,
        cast(satisfied_ticket_count as bigint) as satisfied_ticket_count,
        cast(missing_resolution_known_count as bigint) as missing_resolution_known_count,
        cast(missing_resolution_count as bigint) as missing_resolution_count,
        cast(invalid_value_known_count as bigint) as invalid_value_known_count,
        cast(invalid_value_count as bigint) as invalid_value_count,
        cast(duplicated_known_count as bigint) as duplicated_known_count,
        cast(duplicated_ticket_count as bigint) as duplicated_ticket_count,
        cast(newest_loaded_at as timestamp) as _loaded_at
    from cells
)

select * from final
