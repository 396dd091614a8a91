{#- Incremental per load: a build decides again only the tickets that received a row since the
    newest load this mart holds (_loaded_at), from every row of those tickets, so a ticket
    updated in a later load is replaced by its newest copy (delete+insert on ticket_id);
    `supportlake build --full-refresh` rebuilds it from all rows. -#}
-- The macro steps of the incremental branch keep their own indentation.
-- noqa: disable=LT02
-- depends_on: {{ ref('stg_helpdesk__tickets') }}
-- depends_on: {{ ref('int_ticket_duplicates_ranked') }}
-- depends_on: {{ ref('int_schedule_windows') }}
-- depends_on: {{ ref('queue_schedules') }}
-- depends_on: {{ ref('category_taxonomy') }}
-- depends_on: {{ ref('priority_levels') }}
-- depends_on: {{ ref('sla_targets') }}
with

{% if is_incremental() -%}

changed_tickets as (
    -- every row of a ticket that got a new one: its newest copy and duplicate count may change
    select * from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id in (
        select loaded.ticket_id from {{ ref('stg_helpdesk__tickets') }} as loaded
        where loaded._loaded_at > {{ newest_loaded_at(this) }}
    )
),

-- The pipeline's steps, from macros/tickets/ticket_pipeline.sql, over the changed rows.
conformed as (
{{ tickets_conformed('changed_tickets') }}
),

deduplicated as (
{{ tickets_deduplicated('conformed') }}
),

tickets as (
{{ tickets_sla_measured('deduplicated') }}
),
{%- else %}

tickets as (
    select * from {{ ref('int_tickets_sla_measured') }}
),
{%- endif %}

final as (
    select
        cast(ticket_id as varchar) as ticket_id,
        cast(customer_id as varchar) as customer_id,
        cast(agent_id as varchar) as agent_id,
        cast(created_at as timestamp) as created_at,
        cast(created_at as date) as created_date,
        cast(first_response_at as timestamp) as first_response_at,
        cast(resolved_at as timestamp) as resolved_at,
        cast(resolved_at as date) as resolved_date,
        cast(status as varchar) as status,
        cast(priority as varchar) as priority,
        cast(category as varchar) as category,
        cast(channel as varchar) as channel,
        cast(queue as varchar) as queue,
        cast(product_line as varchar) as product_line,
        cast(subject as varchar) as subject,
        cast(message as varchar) as message,
        cast(is_escalated as boolean) as is_escalated,
        cast(satisfaction_score as integer) as satisfaction_score,
        cast(reopened_count as integer) as reopened_count,
        cast(reopened_count > 0 as boolean) as is_reopened,
        cast(resolution_minutes as double) as resolution_minutes,
        cast(is_resolution_derived as boolean) as is_resolution_derived,
        cast(first_response_minutes as double) as first_response_minutes,
        cast(business_first_response_minutes as double) as business_first_response_minutes,
        cast(business_resolution_minutes as double) as business_resolution_minutes,
        cast(first_response_target_minutes as integer) as first_response_target_minutes,
        cast(resolution_target_minutes as integer) as resolution_target_minutes,
        cast(is_first_response_sla_met as boolean) as is_first_response_sla_met,
        cast(is_resolution_sla_met as boolean) as is_resolution_sla_met,
        cast(
            is_first_response_sla_met_in_business_hours as boolean
        ) as is_first_response_sla_met_in_business_hours,
        cast(
            is_resolution_sla_met_in_business_hours as boolean
        ) as is_resolution_sla_met_in_business_hours,
        cast(is_sla_breach_reported as boolean) as is_sla_breach_reported,
        -- Resolved when the status says so or a resolution time or timestamp exists (the
        -- five-column notebook export has no status at all).
        cast(
            coalesce(
                status in ('Resolved', 'Closed')
                or resolved_at is not null
                or resolution_minutes is not null,
                false
            ) as boolean
        ) as is_resolved,
        cast(has_unknown_category as boolean) as has_unknown_category,
        cast(has_unknown_queue as boolean) as has_unknown_queue,
        cast(is_ticket_id_generated as boolean) as is_ticket_id_generated,
        cast(has_missing_resolution as boolean) as has_missing_resolution,
        cast(has_missing_keys as boolean) as has_missing_keys,
        cast(has_invalid_value as boolean) as has_invalid_value,
        cast(invalid_fields as varchar) as invalid_fields,
        cast(is_duplicated as boolean) as is_duplicated,
        cast(duplicate_count as integer) as duplicate_count,
        cast(_load_id as varchar) as _load_id,
        cast(_source_file as varchar) as _source_file,
        cast(_row_number as bigint) as _row_number,
        cast(_loaded_at as timestamp) as _loaded_at
    from tickets
)

select * from final
