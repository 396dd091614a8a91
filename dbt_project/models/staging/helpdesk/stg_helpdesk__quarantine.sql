with

source as (
    select * from {{ source('helpdesk', 'quarantine') }}
),

renamed as (
    select
        load_id,
        source_file,
        row_number as source_row_number,
        field,
        reason,
        raw_record,
        quarantined_at
    from source
    -- The quarantine is shared by every landing source; this is the helpdesk's share of it.
    where source = 'tickets'
)

select * from renamed
