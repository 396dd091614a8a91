with

source as (
    {{ optional_source('recommendation_feedback', 'recommendation_feedback', {
        'feedback_id': 'varchar', 'ticket_id': 'varchar', 'agent_id': 'varchar',
        'given_at': 'varchar', 'verdict': 'varchar', 'evidence_id': 'varchar',
        'confidence': 'varchar', 'was_confident': 'varchar', 'answer_id': 'varchar',
        '_load_id': 'varchar',
        '_source_file': 'varchar', '_row_number': 'bigint', '_loaded_at': 'timestamp'
    }) }}
),

typed as (
    select
        _load_id || ':' || _row_number as feedback_row_id,
        {{ clean_text('feedback_id') }} as feedback_id,
        {{ clean_text('answer_id') }} as answer_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('agent_id') }} as agent_id,
        {{ parse_timestamp('given_at') }} as given_at,
        given_at as raw_given_at,
        case replace({{ label_key('verdict') }}, ' ', '_')
            when 'helpful' then 'helpful'
            when 'not_helpful' then 'not_helpful'
            when 'unhelpful' then 'not_helpful'
            when 'used' then 'used'
        end as verdict,
        verdict as raw_verdict,
        {{ clean_text('evidence_id') }} as evidence_id,
        try_cast(confidence as double) as confidence,
        confidence as raw_confidence,
        {{ parse_boolean('was_confident') }} as was_confident,
        was_confident as raw_was_confident,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
)

select
    *,
    case
        when feedback_id is null then 'feedback_id is missing'
        when ticket_id is null then 'ticket_id is missing'
        when verdict is null then 'verdict is not helpful, not_helpful or used'
        when given_at is null then 'given_at is missing or not a timestamp'
        when
            nullif(trim(raw_confidence), '') is not null
            and (confidence is null or confidence < 0 or confidence > 1)
            then 'confidence is not a number from 0 to 1'
        when
            nullif(trim(raw_was_confident), '') is not null and was_confident is null
            then 'was_confident is not true or false'
    end as invalid_reason
from typed
