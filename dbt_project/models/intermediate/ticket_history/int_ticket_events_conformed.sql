{#- Incremental per load: a build conforms again every event of the tickets that received
    events, or a new ticket row, since the newest load this model holds, so their dedup, order
    and trust are decided over all their events (delete+insert on ticket_key; events without
    a ticket id share the key ''). `supportlake build --full-refresh` conforms every event. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='ticket_key',
    on_schema_change='fail'
) }}
-- The indent of a CTE inside an if block is beyond the linter.
-- noqa: disable=LT02
with

{% if is_incremental() %}
changed_tickets as (
    select coalesce(stg.ticket_id, '') as ticket_key
    from {{ ref('stg_ticket_events') }} as stg
    where stg._loaded_at > {{ newest_timestamp_in(this, '_loaded_at') }}
    union
    -- A ticket row loaded since: its creation time, requester and queue may have changed.
    select loaded.ticket_id
    from {{ ref('tickets') }} as loaded
    where
        loaded._loaded_at > {{ newest_timestamp_in(this, '_ticket_loaded_at') }}
        and loaded.ticket_id in (select history.ticket_key from {{ this }} as history)
),
{% endif %}

events as (
    select * from {{ ref('stg_ticket_events') }}
    {% if is_incremental() -%}
        where coalesce(ticket_id, '') in (select changed.ticket_key from changed_tickets as changed)
    {%- endif %}
),

tickets as (
    select
        ticket_id,
        customer_id,
        created_at,
        queue,
        _loaded_at
    from {{ ref('tickets') }}
    {% if is_incremental() -%}
        where ticket_id in (select changed.ticket_key from changed_tickets as changed)
    {%- endif %}
),

queue_schedules as (
    select * from {{ ref('queue_schedules') }}
),

event_values as (
    select * from {{ ref('ticket_event_values') }}
),

keyed as (
    -- The same event exported twice (a re-export, overlapping incremental exports) has the
    -- same content; an id alone is not enough (a Jira changelog entry holds several fields).
    select
        *,
        md5(concat_ws(
            chr(31), ticket_id, event_id, cast(occurred_at as varchar), event_kind,
            field_name_key, field_value, previous_field_value, author_id, body
        )) as event_key
    from events
),

ranked as (
    -- The latest load's copy of a repeated event is kept (lineage of the newest export).
    select
        *,
        row_number() over (
            partition by event_key order by _loaded_at desc, _load_id desc, _row_number asc
        ) as copy_rank,
        count(*) over (partition by event_key) as copy_count
    from keyed
),

deduplicated as (
    select * from ranked
    where copy_rank = 1
),

ticket_starts as (
    -- When the ticket began: the ticket export's created_at, else (events loaded without
    -- their ticket) its earliest dated event.
    select
        deduplicated.ticket_id,
        coalesce(min(tickets.created_at), min(deduplicated.occurred_at)) as ticket_created_at,
        case
            when min(tickets.created_at) is not null then 'ticket export' else 'first event'
        end as ticket_created_at_basis
    from deduplicated
    left join tickets on deduplicated.ticket_id = tickets.ticket_id
    where deduplicated.ticket_id is not null
    group by deduplicated.ticket_id
),

conformed as (
    select
        deduplicated.event_key,
        deduplicated.event_id,
        deduplicated.ticket_id,
        deduplicated.occurred_at,
        deduplicated.event_kind,
        deduplicated.field,
        deduplicated.field_value,
        deduplicated.previous_field_value,
        deduplicated.author_id,
        deduplicated.is_public,
        deduplicated.body,
        ticket_starts.ticket_created_at,
        ticket_starts.ticket_created_at_basis,
        -- Business minutes run on the schedule of the ticket's queue (none: null minutes).
        queue_schedules.schedule,
        -- Status and priority words through the seed; a word the seed lacks, and any other
        -- field, keeps the export's value (has_unknown_value says so).
        case
            when deduplicated.field in ('status', 'priority')
                then coalesce(new_values.value, deduplicated.field_value)
            else deduplicated.field_value
        end as new_value,
        case
            when deduplicated.field in ('status', 'priority')
                then coalesce(old_values.value, deduplicated.previous_field_value)
            else deduplicated.previous_field_value
        end as previous_value,
        deduplicated.field in ('status', 'priority')
        and (
            (deduplicated.value_key is not null and new_values.value is null)
            or (deduplicated.previous_value_key is not null and old_values.value is null)
        ) as has_unknown_value,
        -- The role the export states; else the ticket's requester is the end user and any
        -- other author an agent (inferred: exports such as Zendesk audits name no role).
        case
            when deduplicated.author_role is not null then deduplicated.author_role
            when deduplicated.author_id is null then null
            when deduplicated.author_id = tickets.customer_id then 'end-user'
            -- Zendesk's own automations and notifications write as user -1.
            when deduplicated.author_id = '-1' then 'system'
            else 'agent'
        end as author_role,
        case
            when deduplicated.author_role is not null then 'export'
            when deduplicated.author_id is null then null
            when deduplicated.author_id = tickets.customer_id then 'requester'
            when deduplicated.author_id = '-1' then 'system user'
            else 'inferred'
        end as author_role_basis,
        deduplicated.occurred_at < ticket_starts.ticket_created_at as is_before_ticket_created,
        deduplicated.has_invalid_created_at,
        deduplicated.has_invalid_author_role,
        deduplicated.has_invalid_is_public,
        deduplicated.has_missing_ticket_id,
        deduplicated.copy_count - 1 as duplicate_copies,
        deduplicated._load_id,
        deduplicated._source_file,
        deduplicated._row_number,
        deduplicated._loaded_at,
        tickets._loaded_at as _ticket_loaded_at
    from deduplicated
    left join ticket_starts on deduplicated.ticket_id = ticket_starts.ticket_id
    left join tickets on deduplicated.ticket_id = tickets.ticket_id
    left join queue_schedules on tickets.queue = queue_schedules.queue
    left join event_values as new_values
        on deduplicated.field = new_values.field and deduplicated.value_key = new_values.value_key
    left join event_values as old_values
        on
            deduplicated.field = old_values.field
            and deduplicated.previous_value_key = old_values.value_key
),

trusted as (
    -- Metrics read trusted events only: a ticket, a valid time, not before the ticket began
    -- (a comment dated before its ticket was created is bad input: kept, flagged, unused).
    select
        *,
        case
            when has_missing_ticket_id then 'no ticket_id'
            when occurred_at is null then 'no valid created_at'
            when is_before_ticket_created then 'before the ticket was created'
            when event_kind = 'other' then 'not a change or a comment'
        end as untrusted_reason
    from conformed
)

select
    *,
    coalesce(ticket_id, '') as ticket_key,
    -- The newest load that touched the ticket (an event, a repeated copy or its ticket row):
    -- where the incremental history models downstream start.
    greatest(
        max(_loaded_at) over (partition by ticket_id),
        max(_ticket_loaded_at) over (partition by ticket_id)
    ) as _changed_at,
    untrusted_reason is null as is_trusted,
    -- Order within a ticket: time, then the export's numeric id, then file order (events of
    -- one Zendesk audit share a timestamp).
    row_number() over (
        partition by ticket_id
        order by occurred_at, try_cast(event_id as bigint), event_id, _load_id, _row_number
    ) as event_sequence
from trusted
