with

source as (
    {{ optional_source('ml_topics', 'ticket_text_hashes', {
        'ticket_id': 'varchar', 'text_hash': 'varchar', 'hashed_at': 'timestamp'
    }) }}
),

renamed as (
    select
        ticket_id,
        text_hash,
        hashed_at
    from source
)

select * from renamed
