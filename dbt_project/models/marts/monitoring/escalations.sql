with

escalations as (
    select * from {{ ref('stg_api__escalations') }}
),

final as (
    select
        prediction_id,
        request_id,
        escalated_at,
        cast(escalated_at as date) as escalated_date,
        ticket_id,
        subject,
        predicted_priority,
        priority_confidence,
        predicted_category,
        model_version,
        webhook_url is not null as has_webhook
    from escalations
    where prediction_id is not null
    qualify row_number() over (partition by prediction_id order by _loaded_at) = 1
)

select * from final
