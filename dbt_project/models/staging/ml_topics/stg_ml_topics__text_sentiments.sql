with

source as (
    {{ optional_source('ml_topics', 'text_sentiments', {
        'text_hash': 'varchar', 'sentiment_score': 'double', 'scored_at': 'timestamp'
    }) }}
),

renamed as (
    select
        text_hash,
        sentiment_score,
        scored_at
    from source
)

select * from renamed
