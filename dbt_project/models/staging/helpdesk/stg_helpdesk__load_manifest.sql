with

source as (
    select * from {{ source('helpdesk', 'load_manifest') }}
),

renamed as (
    select
        load_id,
        source_file,
        file_sha256,
        file_bytes,
        file_format,
        mapping,
        status as load_status,
        rows_read,
        rows_loaded,
        rows_quarantined,
        ignored_columns,
        error as load_error,
        loaded_at
    from source
    -- The manifest is shared by every landing source; this is the helpdesk's share of it.
    where source = 'tickets'
)

select * from renamed
