with

source as (
    {{ optional_source('recommendation_answers', 'recommendation_answers', {
        'answer_id': 'varchar', 'ticket_id': 'varchar', 'asked_at': 'varchar',
        'channel': 'varchar', 'query_sha256': 'varchar', 'query_text': 'varchar',
        'was_confident': 'varchar',
        'confidence': 'varchar', 'min_confidence': 'varchar',
        'nearest_ticket_id': 'varchar', 'nearest_ticket_similarity': 'varchar',
        'evidence_ids': 'varchar',
        '_load_id': 'varchar',
        '_source_file': 'varchar', '_row_number': 'bigint', '_loaded_at': 'timestamp'
    }) }}
),

typed as (
    select
        _load_id || ':' || _row_number as answer_row_id,
        {{ clean_text('answer_id') }} as answer_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ parse_timestamp('asked_at') }} as asked_at,
        asked_at as raw_asked_at,
        {{ label_key('channel') }} as channel,
        lower({{ clean_text('query_sha256') }}) as query_sha256,
        {{ clean_text('query_text') }} as query_text,
        {{ parse_boolean('was_confident') }} as was_confident,
        was_confident as raw_was_confident,
        try_cast(confidence as double) as confidence,
        confidence as raw_confidence,
        try_cast(min_confidence as double) as min_confidence,
        {{ clean_text('nearest_ticket_id') }} as nearest_ticket_id,
        try_cast(nearest_ticket_similarity as double) as nearest_ticket_similarity,
        {{ clean_text('evidence_ids') }} as evidence_ids,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
)

select
    *,
    case
        when answer_id is null then 'answer_id is missing'
        when asked_at is null then 'asked_at is missing or not a timestamp'
        when was_confident is null then 'was_confident is not true or false'
        when
            nullif(trim(raw_confidence), '') is not null
            and (confidence is null or confidence < -1 or confidence > 1)
            then 'confidence is not a number from -1 to 1'
    end as invalid_reason
from typed
