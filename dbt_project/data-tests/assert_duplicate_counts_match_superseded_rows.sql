-- The tickets mart says how many copies each ticket had; the ranking of duplicates lists the
-- copies that were dropped. Both must describe the same rows, per load of the kept copy.
with

tickets as (
    select * from {{ ref('tickets') }}
),

duplicates as (
    select * from {{ ref('int_ticket_duplicates_ranked') }}
),

dropped_by_kept_load as (
    select
        kept_load_id as load_id,
        count(*) as dropped_rows
    from duplicates
    where recency_rank > 1
    group by kept_load_id
),

copies_by_load as (
    select
        _load_id as load_id,
        sum(duplicate_count - 1) as dropped_rows
    from tickets
    where is_duplicated
    group by _load_id
)

select
    coalesce(dropped_by_kept_load.load_id, copies_by_load.load_id) as load_id,
    dropped_by_kept_load.dropped_rows as dropped_in_ranking,
    copies_by_load.dropped_rows as dropped_per_tickets_mart
from dropped_by_kept_load
full outer join copies_by_load on dropped_by_kept_load.load_id = copies_by_load.load_id
where dropped_by_kept_load.dropped_rows is distinct from copies_by_load.dropped_rows
