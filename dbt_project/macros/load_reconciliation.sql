{#
    One row per load of a source whose staging keeps invalid rows (with invalid_reason) and
    whose mart keeps one row per distinct record: what the manifest says was read, quarantined
    and loaded, what reached raw, how many were invalid, how many the mart kept
    (kept_column) and how many it folded away as repeats or older versions (dropped_column).
#}
{% macro load_reconciliation(source_name, staging_model, kept_model, kept_column, dropped_column) %}
with

manifest as (
    select * from {{ source('helpdesk', 'load_manifest') }}
    where source = '{{ source_name }}'
),

raw_rows as (
    select
        _load_id as load_id,
        count(*) as rows_in_raw,
        count(*) filter (where invalid_reason is not null) as invalid_rows
    from {{ ref(staging_model) }}
    group by _load_id
),

kept as (
    select
        _load_id as load_id,
        count(*) as rows_kept
    from {{ ref(kept_model) }}
    group by _load_id
)

select
    cast(manifest.load_id as varchar) as load_id,
    cast(manifest.source_file as varchar) as source_file,
    cast(manifest.status as varchar) as load_status,
    cast(manifest.loaded_at as timestamp) as loaded_at,
    cast(manifest.rows_read as bigint) as rows_read,
    cast(manifest.rows_quarantined as bigint) as rows_quarantined,
    cast(manifest.rows_loaded as bigint) as rows_loaded,
    cast(coalesce(raw_rows.rows_in_raw, 0) as bigint) as rows_in_raw,
    cast(coalesce(raw_rows.invalid_rows, 0) as bigint) as invalid_rows,
    cast(coalesce(kept.rows_kept, 0) as bigint) as {{ kept_column }},
    cast(
        coalesce(raw_rows.rows_in_raw, 0)
        - coalesce(raw_rows.invalid_rows, 0)
        - coalesce(kept.rows_kept, 0)
        as bigint
    ) as {{ dropped_column }},
    cast(
        {{ load_is_reconciled('manifest', 'coalesce(raw_rows.rows_in_raw, 0)') }} as boolean
    ) as is_reconciled
from manifest
left join raw_rows on manifest.load_id = raw_rows.load_id
left join kept on manifest.load_id = kept.load_id
{% endmacro %}


{#-
    The one rule for "a load reconciles" (here and in ticket_event_load_reconciliations, whose
    columns differ): the manifest's counts add up, and a load that finished has every loaded
    row in raw. `manifest` is the alias of the load_manifest row; `rows_in_raw` the expression
    counting that load's rows in raw.
-#}
{% macro load_is_reconciled(manifest, rows_in_raw) -%}
    {{ manifest }}.rows_read = {{ manifest }}.rows_loaded + {{ manifest }}.rows_quarantined
    and (
        {{ manifest }}.status != 'loaded'
        or {{ manifest }}.rows_loaded = {{ rows_in_raw }}
    )
{%- endmacro %}
