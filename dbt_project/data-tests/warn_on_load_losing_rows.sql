-- One row per ticket load whose share of rows reaching the tickets mart is under the threshold
-- (settings: quality_min_rows_in_marts_share). Warns by default; `supportlake build
-- --fail-on-quality` sets quality_severity to error.
{{ config(severity=var('quality_severity', 'warn')) }}

with

reconciliations as (
    select * from {{ ref('ticket_load_reconciliations') }}
)

select
    load_id,
    source_file,
    rows_read,
    rows_in_tickets
from reconciliations
where
    rows_read > 0
    and rows_in_tickets
    < {{ var('quality_min_rows_in_marts_share') }} * rows_read
