with

latest_corrections as (
    -- One correction per ticket and task, the one training applies.
    select * from {{ ref('ticket_corrections_latest') }}
),

predictions as (
    select * from {{ ref('api_predictions') }}
),

served as (
    select
        ticket_id,
        'priority' as task,
        predicted_priority as predicted_label,
        priority_model_version as model_version,
        requested_at
    from predictions
    where status = 'ok' and ticket_id is not null and predicted_priority is not null

    union all

    select
        ticket_id,
        'category' as task,
        predicted_category as predicted_label,
        category_model_version as model_version,
        requested_at
    from predictions
    where status = 'ok' and ticket_id is not null and predicted_category is not null
),

matched as (
    -- The prediction the agent saw: the latest one for the ticket made before the correction.
    select
        latest_corrections.task,
        served.model_version,
        served.predicted_label,
        latest_corrections.corrected_label
    from latest_corrections
    inner join served
        on
            latest_corrections.ticket_id = served.ticket_id
            and latest_corrections.task = served.task
            and (
                latest_corrections.corrected_at is null
                or latest_corrections.corrected_at >= served.requested_at
            )
    qualify row_number() over (
        partition by latest_corrections.ticket_id, latest_corrections.task
        order by served.requested_at desc
    ) = 1
),

final as (
    select
        task,
        model_version,
        count(*) as corrections,
        {{ count_true('lower(predicted_label) = lower(corrected_label)') }} as agreements,
        cast({{ count_true('lower(predicted_label) = lower(corrected_label)') }} as double)
        / count(*) as agreement_rate
    from matched
    group by task, model_version
)

select * from final
