with

classifications as (
    select * from {{ ref('ticket_classifications') }}
),

labelled_pairs as (
    select
        'category' as task,
        category_model_version as model_version,
        recorded_category as recorded_label,
        predicted_category as predicted_label,
        category_confidence as confidence
    from classifications
    where recorded_category is not null and predicted_category is not null

    union all

    select
        'priority' as task,
        priority_model_version as model_version,
        recorded_priority as recorded_label,
        predicted_priority as predicted_label,
        priority_confidence as confidence
    from classifications
    where recorded_priority is not null and predicted_priority is not null
),

counted as (
    select
        task,
        model_version,
        recorded_label,
        predicted_label,
        count(*) as ticket_count,
        avg(confidence) as mean_confidence
    from labelled_pairs
    group by task, model_version, recorded_label, predicted_label
),

shared as (
    select
        *,
        ticket_count / sum(ticket_count) over (
            partition by task, model_version, recorded_label
        ) as share_of_recorded_label,
        ticket_count / sum(ticket_count) over (
            partition by task, model_version, predicted_label
        ) as share_of_predicted_label
    from counted
),

final as (
    select
        cast(task as varchar) as task,
        cast(model_version as varchar) as model_version,
        cast(recorded_label as varchar) as recorded_label,
        cast(predicted_label as varchar) as predicted_label,
        cast(lower(recorded_label) = lower(predicted_label) as boolean) as is_agreement,
        cast(ticket_count as bigint) as ticket_count,
        cast(share_of_recorded_label as double) as share_of_recorded_label,
        cast(share_of_predicted_label as double) as share_of_predicted_label,
        cast(mean_confidence as double) as mean_confidence
    from shared
)

select * from final
