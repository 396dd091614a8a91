{{ config(materialized='table') }}

with

tickets as (
    select
        ticket_id,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from {{ ref('stg_helpdesk__tickets') }}
    where ticket_id is not null
),

duplicate_ids as (
    -- Duplicates are a small share of rows: one narrow aggregate finds their ids, so only
    -- their rows are ranked (a window over every wide ticket row is the slowest step at 10M).
    select
        ticket_id,
        count(*) as duplicate_count
    from tickets
    group by ticket_id
    having count(*) > 1
),

ranked as (
    select
        tickets.ticket_id,
        tickets._load_id,
        tickets._source_file,
        tickets._row_number,
        tickets._loaded_at,
        duplicate_ids.duplicate_count,
        row_number() over recency as recency_rank,
        first_value(tickets._load_id) over recency as kept_load_id,
        first_value(tickets._row_number) over recency as kept_row_number
    from tickets
    inner join duplicate_ids on tickets.ticket_id = duplicate_ids.ticket_id
    window recency as (
        partition by tickets.ticket_id
        order by {{ ticket_recency_order('tickets') }}
        rows between unbounded preceding and current row
    )
)

select * from ranked
