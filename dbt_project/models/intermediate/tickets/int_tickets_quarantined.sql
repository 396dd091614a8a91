{{ config(materialized='table') }}

with

tickets as (
    select * from {{ ref('stg_helpdesk__tickets') }}
),

quarantined as (
    -- A row without a ticket_id cannot become a ticket (no key to deduplicate or join on);
    -- it is kept here, with its lineage, so the reconciliation still counts it.
    select
        _load_id,
        _source_file,
        _row_number,
        _loaded_at,
        'missing ticket_id' as quarantine_reason,
        customer_id,
        agent_id,
        created_at,
        category_key,
        subject
    from tickets
    where ticket_id is null
)

select * from quarantined
