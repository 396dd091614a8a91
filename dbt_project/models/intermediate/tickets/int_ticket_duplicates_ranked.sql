{{ config(materialized='table') }}

with

tickets as (
    select
        ticket_id,
        updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id is not null
),

candidate_hashes as (
    -- Duplicates are a small share of rows, so only their rows get ranked: a window over
    -- every wide ticket row is the slowest step at 10M. Grouping 8-byte hashes is cheaper
    -- than grouping the ids; a hash collision only adds a candidate, which the exact count
    -- below drops again.
    select hash(ticket_id) as ticket_hash
    from tickets
    group by hash(ticket_id)
    having count(*) > 1
),

candidates as (
    select tickets.*
    from tickets
    inner join candidate_hashes on hash(tickets.ticket_id) = candidate_hashes.ticket_hash
),

ranked as (
    select
        ticket_id,
        updated_at,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        count(*) over (partition by ticket_id) as duplicate_count,
        row_number() over recency as recency_rank,
        first_value(_load_id) over recency as kept_load_id,
        first_value(_row_number) over recency as kept_row_number
    from candidates
    window recency as (
        partition by ticket_id
        order by {{ ticket_recency_order('candidates') }}
        rows between unbounded preceding and current row
    )
),

duplicated as (
    select * from ranked
    where duplicate_count > 1
)

select * from duplicated
