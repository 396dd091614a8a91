{#- The ticket pipeline's three steps as macros over the relation (or CTE name) they read, so
    the same SQL builds every ticket (the ephemeral models int_tickets_conformed,
    int_tickets_deduplicated, int_tickets_sla_measured) or, in an incremental build of
    marts.tickets, only the tickets that received rows since the last build. -#}

{#- Cleaned labels matched to the seeds (category, priority, queue), flags, invalid_fields. -#}
{% macro tickets_conformed(staged) -%}
with

tickets as (
    select * from {{ staged }}
),

taxonomy as (
    select * from {{ ref('category_taxonomy') }}
),

priority_levels as (
    select * from {{ ref('priority_levels') }}
),

queue_schedules as (
    select * from {{ ref('queue_schedules') }}
),

category_keys as (
    -- A few labels cover millions of tickets: resolve each distinct label once.
    select distinct category_key from tickets
),

categories as (
    -- An unknown category is kept, title-cased: a new category may be real.
    select
        category_keys.category_key,
        coalesce(
            taxonomy.category, {{ title_case('category_keys.category_key') }}
        ) as category,
        taxonomy.category is null as is_unknown
    from category_keys
    left join taxonomy on category_keys.category_key = {{ label_key('taxonomy.category') }}
    where category_keys.category_key is not null
),

priorities as (
    select
        priority,
        priority_rank,
        {{ label_key('priority') }} as priority_key
    from priority_levels
),

queues as (
    -- The queues with business hours: each works on a schedule of seeds/schedules.csv.
    select
        queue,
        schedule,
        {{ label_key('queue') }} as queue_key
    from queue_schedules
),

queue_keys as (
    select distinct queue_key from tickets
),

queue_names as (
    -- A queue without business hours is the team's own group, not an invalid value: it keeps
    -- its name (title-cased) and is measured on the default queue's hours, flagged
    -- has_unknown_queue (warned by data-tests/warn_on_unknown_queues.sql).
    select
        queue_keys.queue_key,
        coalesce(queues.queue, {{ title_case('queue_keys.queue_key') }}) as queue,
        coalesce(queues.schedule, default_queue.schedule) as schedule,
        queues.queue is null as is_unknown
    from queue_keys
    left join queues on queue_keys.queue_key = queues.queue_key
    left join queues as default_queue
        on default_queue.queue_key = lower('{{ var("default_queue", "General") }}')
    where queue_keys.queue_key is not null
),

matched as (
    -- Labels are matched on their keys (case, padding, _ and - ignored) and take the seed's
    -- spelling. An unknown priority or queue is unusable for SLA targets and business hours,
    -- so it becomes null and is flagged like any other invalid value.
    select
        tickets.ticket_id,
        tickets.is_ticket_id_generated,
        tickets.customer_id,
        tickets.agent_id,
        tickets.created_at,
        tickets.first_response_at,
        tickets.resolved_at,
        tickets.updated_at,
        tickets.status,
        priorities.priority,
        priorities.priority_rank,
        categories.category,
        tickets.channel,
        queues.queue,
        queues.schedule,
        tickets.product_line,
        tickets.subject,
        tickets.message,
        tickets.is_escalated,
        tickets.satisfaction_score,
        tickets.is_sla_breach_reported,
        tickets.reopened_count,
        tickets.resolution_minutes,
        tickets.is_resolution_derived,
        tickets.first_response_minutes,
        coalesce(categories.is_unknown, false) as has_unknown_category,
        tickets.has_invalid_created_at,
        tickets.has_invalid_first_response_at,
        tickets.has_invalid_resolved_at,
        tickets.has_invalid_updated_at,
        tickets.has_invalid_status,
        tickets.priority_key is not null and priorities.priority is null as has_invalid_priority,
        tickets.has_invalid_channel,
        coalesce(queues.is_unknown, false) as has_unknown_queue,
        tickets.has_invalid_escalated,
        tickets.has_invalid_sla_breach,
        tickets.has_invalid_satisfaction_score,
        tickets.has_invalid_reopened_count,
        tickets.has_invalid_resolution_minutes,
        (
            tickets.has_invalid_value
            or (tickets.priority_key is not null and priorities.priority is null)
        ) as has_invalid_value,
        tickets.has_missing_keys,
        tickets.has_missing_resolution,
        tickets._load_id,
        tickets._source_file,
        tickets._row_number,
        tickets._loaded_at
    from tickets
    left join categories on tickets.category_key = categories.category_key
    left join priorities on tickets.priority_key = priorities.priority_key
    left join queue_names as queues on tickets.queue_key = queues.queue_key
),

listed as (
    -- invalid_fields names every unusable field, in column order, for the data-quality audit.
    select
        *,
        case
            when has_invalid_value
                then concat_ws(
                    ',',
                    case when has_invalid_created_at then 'created_at' end,
                    case when has_invalid_first_response_at then 'first_response_at' end,
                    case when has_invalid_resolved_at then 'resolved_at' end,
                    case when has_invalid_updated_at then 'updated_at' end,
                    case when has_invalid_status then 'status' end,
                    case when has_invalid_priority then 'priority' end,
                    case when has_invalid_channel then 'channel' end,
                    case when has_invalid_escalated then 'escalated' end,
                    case when has_invalid_satisfaction_score then 'satisfaction_score' end,
                    case when has_invalid_sla_breach then 'sla_breach' end,
                    case when has_invalid_reopened_count then 'reopened_count' end,
                    case when has_invalid_resolution_minutes then 'resolution_minutes' end
                )
        end as invalid_fields
    from matched
)

select * from listed
{%- endmacro %}

{#- The newest row of each ticket_id (int_ticket_duplicates_ranked ranks the repeated ids). -#}
{% macro tickets_deduplicated(conformed) -%}
with

tickets as (
    select * from {{ conformed }}
),

duplicates as (
    select * from {{ ref('int_ticket_duplicates_ranked') }}
),

deduplicated as (
    -- Keep the newest row of each ticket_id (latest updated_at, then the latest load; see
    -- ticket_recency_order). Rows without a ticket_id cannot be deduplicated
    -- or joined: int_tickets_quarantined holds them instead.
    select
        tickets.*,
        coalesce(duplicates.duplicate_count, 1) as duplicate_count,
        duplicates.ticket_id is not null as is_duplicated
    from tickets
    left join duplicates
        on
            tickets._load_id = duplicates._load_id
            and tickets._row_number = duplicates._row_number
    where
        tickets.ticket_id is not null
        and (duplicates.recency_rank is null or duplicates.recency_rank = 1)
)

select * from deduplicated
{%- endmacro %}

{#- SLA targets and whether they were met, in calendar and in business minutes. -#}
{% macro tickets_sla_measured(deduplicated) -%}
with

tickets as (
    select * from {{ deduplicated }}
),

schedule_windows as (
    select * from {{ ref('int_schedule_windows') }}
),

sla_targets as (
    select * from {{ ref('sla_targets') }}
),

priority_levels as (
    select * from {{ ref('priority_levels') }}
),

targets as (
    -- Keyed on priority_rank so the join with every ticket hashes an integer.
    select
        priority_levels.priority_rank,
        sla_targets.first_response_target_minutes,
        sla_targets.resolution_target_minutes
    from sla_targets
    inner join priority_levels on sla_targets.priority = priority_levels.priority
),

business_clock as (
    -- Business minutes between two timestamps = odometer(later) - odometer(earlier) on the
    -- schedule of the ticket's queue, each odometer read from the opening window ASOF-joined
    -- on it (the latest that opened by then): the history marts' calendar, in the schedule's
    -- own time zone, so a window may cross UTC midnight (a Tokyo morning). The ASOF joins
    -- carry only the key and the three times: with every ticket column as their payload,
    -- marts.tickets took 174 s of a 10M-ticket full refresh, 137 s without (bench_speed.py,
    -- docs/benchmarks.md).
    select
        tickets.ticket_id,
        {{ schedule_odometer('tickets.first_response_at', 'response_window') }}
        - {{ schedule_odometer('tickets.created_at', 'created_window') }}
            as business_first_response_minutes,
        {{ schedule_odometer('tickets.resolved_at', 'resolved_window') }}
        - {{ schedule_odometer('tickets.created_at', 'created_window') }}
            as business_resolution_minutes
    from (
        select ticket_id, schedule, created_at, first_response_at, resolved_at from tickets
    ) as tickets
    asof left join schedule_windows as created_window
        on
            tickets.schedule = created_window.schedule
            and tickets.created_at >= created_window.window_start
    asof left join schedule_windows as response_window
        on
            tickets.schedule = response_window.schedule
            and tickets.first_response_at >= response_window.window_start
    asof left join schedule_windows as resolved_window
        on
            tickets.schedule = resolved_window.schedule
            and tickets.resolved_at >= resolved_window.window_start
),

measured as (
    -- One row per ticket (ticket_id is unique after deduplication), so the join adds columns
    -- and never rows.
    select
        tickets.*,
        targets.first_response_target_minutes,
        targets.resolution_target_minutes,
        business_clock.business_first_response_minutes,
        business_clock.business_resolution_minutes
    from tickets
    left join targets on tickets.priority_rank = targets.priority_rank
    left join business_clock on tickets.ticket_id = business_clock.ticket_id
),

evaluated as (
    -- A flag is null when it cannot be judged: no valid priority, or the ticket has no
    -- response/resolution yet (an open ticket has not met or missed its SLA so far).
    select
        *,
        first_response_minutes <= first_response_target_minutes as is_first_response_sla_met,
        resolution_minutes <= resolution_target_minutes as is_resolution_sla_met,
        business_first_response_minutes
        <= first_response_target_minutes as is_first_response_sla_met_in_business_hours,
        business_resolution_minutes
        <= resolution_target_minutes as is_resolution_sla_met_in_business_hours
    from measured
)

select * from evaluated
{%- endmacro %}
