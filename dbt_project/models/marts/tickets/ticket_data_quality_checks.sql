with

loads as (
    select * from {{ ref('stg_helpdesk__load_manifest') }}
),

tickets as (
    select * from {{ ref('tickets') }}
),

duplicates as (
    select * from {{ ref('int_ticket_duplicates_ranked') }}
),

ingest_quarantine as (
    select * from {{ ref('stg_helpdesk__quarantine') }}
),

dbt_quarantine as (
    select * from {{ ref('int_tickets_quarantined') }}
),

kept_issues as (
    select
        _load_id as load_id,
        {{ count_true('has_missing_resolution') }} as missing_resolution_count,
        {{ count_true('has_missing_keys') }} as missing_keys_count,
        {{ count_true('has_unknown_category') }} as unknown_category_count,
        {{ count_true('has_unknown_queue') }} as unknown_queue_count,
        {{ count_true('is_ticket_id_generated') }} as generated_ticket_id_count,
        {{ count_true('has_invalid_value') }} as invalid_value_count
    from tickets
    group by _load_id
),

per_load as (
    -- The checks every load reports, zero included, so a clean load shows as clean.
    select
        loads.load_id,
        coalesce(kept_issues.missing_resolution_count, 0) as missing_resolution_count,
        coalesce(kept_issues.missing_keys_count, 0) as missing_keys_count,
        coalesce(kept_issues.unknown_category_count, 0) as unknown_category_count,
        coalesce(kept_issues.unknown_queue_count, 0) as unknown_queue_count,
        coalesce(kept_issues.generated_ticket_id_count, 0) as generated_ticket_id_count,
        coalesce(kept_issues.invalid_value_count, 0) as invalid_value_count
    from loads
    left join kept_issues on loads.load_id = kept_issues.load_id
),

invalid_fields as (
    select
        _load_id as load_id,
        unnest(string_split(invalid_fields, ',')) as field
    from tickets
    where has_invalid_value
),

checks as (
    select
        load_id,
        'missing_resolution' as check_name,
        'missing' as check_group,
        'resolution_minutes' as field,
        missing_resolution_count as row_count
    from per_load

    union all

    select
        load_id,
        'missing_keys' as check_name,
        'missing' as check_group,
        'customer_id' as field,
        missing_keys_count as row_count
    from per_load

    union all

    select
        load_id,
        'unknown_category' as check_name,
        'unknown' as check_group,
        'category' as field,
        unknown_category_count as row_count
    from per_load

    union all

    -- A queue without business hours: measured on the default queue's hours.
    select
        load_id,
        'unknown_queue' as check_name,
        'unknown' as check_group,
        'queue' as field,
        unknown_queue_count as row_count
    from per_load

    union all

    -- The export had no ticket ids: the ingest generated them from file hash and line.
    select
        load_id,
        'generated_ticket_id' as check_name,
        'missing' as check_group,
        'ticket_id' as field,
        generated_ticket_id_count as row_count
    from per_load

    union all

    select
        load_id,
        'invalid_value' as check_name,
        'invalid' as check_group,
        cast(null as varchar) as field,
        invalid_value_count as row_count
    from per_load

    union all

    select
        load_id,
        'invalid_value:' || field as check_name,
        'invalid' as check_group,
        field,
        count(*) as row_count
    from invalid_fields
    group by load_id, field

    union all

    select
        _load_id as load_id,
        'duplicate_superseded' as check_name,
        'duplicate' as check_group,
        'ticket_id' as field,
        count(*) as row_count
    from duplicates
    where recency_rank > 1
    group by _load_id

    union all

    select
        _load_id as load_id,
        'quarantined_in_dbt:' || quarantine_reason as check_name,
        'quarantine' as check_group,
        'ticket_id' as field,
        count(*) as row_count
    from dbt_quarantine
    group by _load_id, quarantine_reason

    union all

    select
        load_id,
        'quarantined_at_ingest:' || reason as check_name,
        'quarantine' as check_group,
        max(field) as field,
        count(*) as row_count
    from ingest_quarantine
    group by load_id, reason
),

load_checks as (
    select
        checks.load_id,
        false as is_total,
        loads.source_file,
        checks.check_name,
        checks.check_group,
        checks.field,
        checks.row_count,
        loads.rows_read
    from checks
    inner join loads on checks.load_id = loads.load_id
),

total_checks as (
    select
        'all' as load_id,
        true as is_total,
        cast(null as varchar) as source_file,
        check_name,
        check_group,
        max(field) as field,
        sum(row_count) as row_count,
        (select sum(loads.rows_read) from loads) as rows_read
    from load_checks
    group by check_name, check_group
),

final as (
    select
        cast(load_id as varchar) as load_id,
        cast(is_total as boolean) as is_total,
        cast(source_file as varchar) as source_file,
        cast(check_name as varchar) as check_name,
        cast(check_group as varchar) as check_group,
        cast(field as varchar) as field,
        cast(row_count as bigint) as row_count,
        cast(rows_read as bigint) as rows_read,
        cast(row_count / nullif(cast(rows_read as double), 0) as double) as row_share
    from (
        select * from load_checks
        union all
        select * from total_checks
    ) as all_checks
)

select * from final
