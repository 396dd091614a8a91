with

manifest as (
    select * from {{ source('helpdesk', 'load_manifest') }}
    where source = 'ticket_events'
),

raw_rows as (
    select
        _load_id as load_id,
        count(*) as rows_in_raw
    from {{ ref('stg_ticket_events') }}
    group by _load_id
),

kept as (
    -- A repeated event is kept once, from its latest load: the other copies count as dropped
    -- repeats in their own loads.
    select
        _load_id as load_id,
        count(*) as events_kept,
        count(*) filter (where is_trusted) as trusted_events,
        count(*) filter (where is_before_ticket_created) as events_before_ticket_created,
        count(*) filter (where not is_trusted and not coalesce(is_before_ticket_created, false))
            as other_untrusted_events
    from {{ ref('int_ticket_events_conformed') }}
    group by _load_id
)

select
    cast(manifest.load_id as varchar) as load_id,
    cast(manifest.source_file as varchar) as source_file,
    cast(manifest.mapping as varchar) as mapping,
    cast(manifest.status as varchar) as load_status,
    cast(manifest.loaded_at as timestamp) as loaded_at,
    cast(manifest.rows_read as bigint) as rows_read,
    cast(manifest.rows_quarantined as bigint) as rows_quarantined,
    cast(manifest.rows_loaded as bigint) as rows_loaded,
    cast(coalesce(raw_rows.rows_in_raw, 0) as bigint) as rows_in_raw,
    cast(coalesce(kept.events_kept, 0) as bigint) as events_kept,
    cast(coalesce(raw_rows.rows_in_raw, 0) - coalesce(kept.events_kept, 0) as bigint)
        as repeated_copies_dropped,
    cast(coalesce(kept.trusted_events, 0) as bigint) as trusted_events,
    cast(coalesce(kept.events_before_ticket_created, 0) as bigint)
        as events_before_ticket_created,
    cast(coalesce(kept.other_untrusted_events, 0) as bigint) as other_untrusted_events,
    cast(
        {{ load_is_reconciled('manifest', 'coalesce(raw_rows.rows_in_raw, 0)') }} as boolean
    ) as is_reconciled
from manifest
left join raw_rows on manifest.load_id = raw_rows.load_id
left join kept on manifest.load_id = kept.load_id
