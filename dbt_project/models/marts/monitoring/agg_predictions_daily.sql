with

predictions as (
    select * from {{ ref('api_predictions') }}
),

served as (
    select * from predictions
    where status = 'ok' and prediction_date is not null
),

by_task as (
    select
        prediction_date,
        'priority' as task,
        predicted_priority as predicted_class,
        priority_confidence as confidence
    from served
    where predicted_priority is not null

    union all

    select
        prediction_date,
        'category' as task,
        predicted_category as predicted_class,
        category_confidence as confidence
    from served
    where predicted_category is not null
),

daily as (
    select
        prediction_date,
        task,
        predicted_class,
        count(*) as predictions,
        cast(count(*) as double)
        / sum(count(*)) over (partition by prediction_date, task) as share_of_day,
        avg(confidence) as mean_confidence,
        {{ count_true('confidence < 0.5') }} as low_confidence_predictions
    from by_task
    group by prediction_date, task, predicted_class
)

select * from daily
