with

predictions as (
    select * from {{ ref('stg_ml__ticket_predictions') }}
),

tickets as (
    select * from {{ ref('tickets') }}
),

joined as (
    select
        tickets.ticket_id,
        tickets.created_at,
        tickets.created_date,
        tickets.channel,
        tickets.queue,
        tickets.product_line,
        tickets.status,
        tickets.category as recorded_category,
        predictions.predicted_category,
        predictions.category_confidence,
        predictions.category_reasons,
        predictions.category_model_version,
        tickets.priority as recorded_priority,
        predictions.predicted_priority,
        predictions.priority_confidence,
        predictions.priority_reasons,
        predictions.priority_model_version,
        predictions.scored_at
    from predictions
    inner join tickets
        on predictions.ticket_id = tickets.ticket_id
),

compared as (
    select
        *,
        -- Null when either side is missing: no label, no verdict. Case-insensitive because
        -- zero-shot and file-trained models may spell a category differently.
        lower(recorded_category) = lower(predicted_category) as is_category_agreed,
        lower(recorded_priority) = lower(predicted_priority) as is_priority_agreed
    from joined
),

final as (
    select
        cast(ticket_id as varchar) as ticket_id,
        cast(created_at as timestamp) as created_at,
        cast(created_date as date) as created_date,
        cast(channel as varchar) as channel,
        cast(queue as varchar) as queue,
        cast(product_line as varchar) as product_line,
        cast(status as varchar) as status,
        cast(recorded_category as varchar) as recorded_category,
        cast(predicted_category as varchar) as predicted_category,
        cast(category_confidence as double) as category_confidence,
        cast(category_reasons as varchar) as category_reasons,
        cast(category_model_version as varchar) as category_model_version,
        cast(is_category_agreed as boolean) as is_category_agreed,
        cast(recorded_priority as varchar) as recorded_priority,
        cast(predicted_priority as varchar) as predicted_priority,
        cast(priority_confidence as double) as priority_confidence,
        cast(priority_reasons as varchar) as priority_reasons,
        cast(priority_model_version as varchar) as priority_model_version,
        cast(is_priority_agreed as boolean) as is_priority_agreed,
        cast(scored_at as timestamp) as scored_at
    from compared
)

select * from final
