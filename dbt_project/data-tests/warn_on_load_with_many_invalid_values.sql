-- One row per ticket load and field whose share of invalid values is over the threshold
-- (settings: quality_max_invalid_share). Warns by default; `supportlake build
-- --fail-on-quality` sets quality_severity to error.
{{ config(severity=var('quality_severity', 'warn')) }}

with

checks as (
    select * from {{ ref('ticket_data_quality_checks') }}
)

select
    load_id,
    source_file,
    field,
    row_count,
    rows_read,
    row_share
from checks
where
    not is_total
    and check_group = 'invalid'
    and field is not null
    and row_share > {{ var('quality_max_invalid_share') }}
