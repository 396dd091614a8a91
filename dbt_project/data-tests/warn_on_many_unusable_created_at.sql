-- Warns (does not fail) when more than 5% of tickets have an unusable creation time: usually a
-- new export format that parse_timestamp does not know yet.
{{ config(severity='warn') }}

with

tickets as (
    select * from {{ ref('tickets') }}
)

select
    count(*) as ticket_count,
    {{ count_true("invalid_fields like '%created_at%'") }} as unusable_created_at_count
from tickets
having
    {{ count_true("invalid_fields like '%created_at%'") }}
    > {{ var('max_unusable_created_at_share', 0.05) }} * count(*)
