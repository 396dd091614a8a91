with

predictions as (
    select * from {{ ref('stg_api__predictions') }}
),

deduplicated as (
    -- A log file copied and loaded twice under another name repeats its rows: keep the first.
    select *
    from predictions
    where prediction_id is not null
    qualify row_number() over (
        partition by prediction_id
        order by _loaded_at, _source_file, _row_number
    ) = 1
),

final as (
    select
        prediction_id,
        request_id,
        requested_at,
        cast(requested_at as date) as prediction_date,
        endpoint,
        status,
        error_message,
        batch_size,
        ticket_id,
        input_sha256,
        subject_chars,
        message_chars,
        coalesce(subject_chars, 0) + coalesce(message_chars, 0) as text_chars,
        channel,
        ticket_created_at,
        predicted_priority,
        priority_confidence,
        priority_model_version,
        predicted_category,
        category_confidence,
        category_model_version,
        probabilities_json,
        reasons_json,
        is_escalated,
        latency_ms,
        api_instance,
        _loaded_at as loaded_at
    from deduplicated
)

select * from final
