with

loads as (
    select * from {{ ref('stg_helpdesk__load_manifest') }}
),

raw_tickets as (
    select * from {{ ref('stg_helpdesk__tickets') }}
),

ingest_quarantine as (
    select * from {{ ref('stg_helpdesk__quarantine') }}
),

dbt_quarantine as (
    select * from {{ ref('int_tickets_quarantined') }}
),

duplicates as (
    select * from {{ ref('int_ticket_duplicates_ranked') }}
),

tickets as (
    select * from {{ ref('tickets') }}
),

landed_counts as (
    select
        _load_id as load_id,
        count(*) as row_count
    from raw_tickets
    group by _load_id
),

ingest_quarantine_counts as (
    select
        load_id,
        count(*) as row_count
    from ingest_quarantine
    group by load_id
),

dbt_quarantine_counts as (
    select
        _load_id as load_id,
        count(*) as row_count
    from dbt_quarantine
    group by _load_id
),

superseded_counts as (
    -- Copies of a ticket that a later copy replaced.
    select
        _load_id as load_id,
        count(*) as row_count
    from duplicates
    where recency_rank > 1
    group by _load_id
),

kept_counts as (
    select
        _load_id as load_id,
        count(*) as row_count
    from tickets
    group by _load_id
),

reconciled as (
    -- Every count comes from where the rows actually are, not from the other counts, so a
    -- row lost or doubled anywhere between the file and the marts leaves rows_unaccounted != 0.
    select
        loads.load_id,
        loads.source_file,
        loads.loaded_at,
        loads.load_status,
        loads.rows_read,
        loads.rows_loaded as rows_loaded_reported,
        loads.rows_quarantined as rows_quarantined_reported,
        coalesce(landed_counts.row_count, 0) as rows_landed,
        coalesce(ingest_quarantine_counts.row_count, 0) as rows_quarantined_at_ingest,
        coalesce(dbt_quarantine_counts.row_count, 0) as rows_quarantined_in_dbt,
        coalesce(superseded_counts.row_count, 0) as rows_deduplicated,
        coalesce(kept_counts.row_count, 0) as rows_in_tickets
    from loads
    left join landed_counts on loads.load_id = landed_counts.load_id
    left join ingest_quarantine_counts on loads.load_id = ingest_quarantine_counts.load_id
    left join dbt_quarantine_counts on loads.load_id = dbt_quarantine_counts.load_id
    left join superseded_counts on loads.load_id = superseded_counts.load_id
    left join kept_counts on loads.load_id = kept_counts.load_id
),

final as (
    select
        cast(load_id as varchar) as load_id,
        cast(source_file as varchar) as source_file,
        cast(loaded_at as timestamp) as loaded_at,
        cast(load_status as varchar) as load_status,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded_reported as bigint) as rows_loaded_reported,
        cast(rows_quarantined_reported as bigint) as rows_quarantined_reported,
        cast(rows_landed as bigint) as rows_landed,
        cast(rows_quarantined_at_ingest as bigint) as rows_quarantined_at_ingest,
        cast(rows_quarantined_in_dbt as bigint) as rows_quarantined_in_dbt,
        cast(rows_deduplicated as bigint) as rows_deduplicated,
        cast(rows_in_tickets as bigint) as rows_in_tickets,
        cast(
            rows_read
            - rows_in_tickets
            - rows_quarantined_at_ingest
            - rows_quarantined_in_dbt
            - rows_deduplicated
            as bigint
        ) as rows_unaccounted,
        cast(
            rows_read
            = rows_in_tickets
            + rows_quarantined_at_ingest
            + rows_quarantined_in_dbt
            + rows_deduplicated
            as boolean
        ) as is_balanced
    from reconciled
)

select * from final
