with

source as (
    select * from {{ source('api', 'escalations') }}
),

renamed as (
    select
        {{ clean_text('prediction_id') }} as prediction_id,
        {{ clean_text('request_id') }} as request_id,
        {{ parse_timestamp('escalated_at') }} as escalated_at,
        {{ clean_text('ticket_id') }} as ticket_id,
        nullif(subject, '') as subject,
        {{ clean_text('predicted_priority') }} as predicted_priority,
        try_cast(priority_confidence as double) as priority_confidence,
        {{ clean_text('predicted_category') }} as predicted_category,
        {{ clean_text('model_version') }} as model_version,
        {{ clean_text('webhook_url') }} as webhook_url,
        _loaded_at
    from source
)

select * from renamed
