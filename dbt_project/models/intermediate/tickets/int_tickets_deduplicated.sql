with

tickets as (
    select * from {{ ref('int_tickets_conformed') }}
),

duplicates as (
    select * from {{ ref('int_ticket_duplicates_ranked') }}
),

deduplicated as (
    -- Keep the newest row of each ticket_id (latest updated_at, then the latest load; see
    -- ticket_recency_order). Rows without a ticket_id cannot be deduplicated
    -- or joined: int_tickets_quarantined holds them instead.
    select
        tickets.*,
        coalesce(duplicates.duplicate_count, 1) as duplicate_count,
        duplicates.ticket_id is not null as is_duplicated
    from tickets
    left join duplicates
        on
            tickets._load_id = duplicates._load_id
            and tickets._row_number = duplicates._row_number
    where
        tickets.ticket_id is not null
        and (duplicates.recency_rank is null or duplicates.recency_rank = 1)
)

select * from deduplicated
