with

source as (
    select * from {{ source('api', 'ticket_corrections') }}
),

renamed as (
    select
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('corrected_category') }} as corrected_category,
        {{ clean_text('corrected_priority') }} as corrected_priority,
        {{ clean_text('corrected_by') }} as corrected_by,
        {{ parse_timestamp('corrected_at') }} as corrected_at,
        _loaded_at,
        _source_file,
        _row_number
    from source
)

select * from renamed
