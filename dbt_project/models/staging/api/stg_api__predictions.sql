with

source as (
    select * from {{ source('api', 'prediction_log') }}
),

renamed as (
    select
        {{ clean_text('prediction_id') }} as prediction_id,
        {{ clean_text('request_id') }} as request_id,
        {{ parse_timestamp('requested_at') }} as requested_at,
        lower({{ clean_text('endpoint') }}) as endpoint,
        lower({{ clean_text('status') }}) as status,
        {{ clean_text('error') }} as error_message,
        try_cast(batch_size as integer) as batch_size,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('input_sha256') }} as input_sha256,
        try_cast(subject_chars as integer) as subject_chars,
        try_cast(message_chars as integer) as message_chars,
        -- The same spellings as helpdesk exports map onto the same five channels, so served
        -- traffic compares with the training tickets; anything else is kept apart as Other.
        case
            when {{ clean_text('channel') }} is null then '(missing)'
            else
                case {{ label_key('channel') }}
                    when 'email' then 'Email'
                    when 'e mail' then 'Email'
                    when 'chat' then 'Chat'
                    when 'live chat' then 'Chat'
                    when 'phone' then 'Phone'
                    when 'web form' then 'Web Form'
                    when 'webform' then 'Web Form'
                    when 'web' then 'Web Form'
                    when 'social' then 'Social'
                    when 'social media' then 'Social'
                    else 'Other'
                end
        end as channel,
        {{ parse_timestamp('ticket_created_at') }} as ticket_created_at,
        {{ clean_text('predicted_priority') }} as predicted_priority,
        try_cast(priority_confidence as double) as priority_confidence,
        {{ clean_text('priority_model_version') }} as priority_model_version,
        {{ clean_text('predicted_category') }} as predicted_category,
        try_cast(category_confidence as double) as category_confidence,
        {{ clean_text('category_model_version') }} as category_model_version,
        {{ clean_text('probabilities') }} as probabilities_json,
        {{ clean_text('reasons') }} as reasons_json,
        coalesce({{ parse_boolean('is_escalated') }}, false) as is_escalated,
        try_cast(latency_ms as double) as latency_ms,
        {{ clean_text('api_instance') }} as api_instance,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
)

select * from renamed
