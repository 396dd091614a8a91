with

feedback as (
    select * from {{ ref('stg_api__feedback') }}
),

predictions as (
    select * from {{ ref('api_predictions') }}
),

corrections as (
    -- One correction per ticket and task, the latest (as training applies them).
    select
        ticket_id,
        'priority' as task,
        corrected_priority as corrected_label,
        corrected_at,
        _loaded_at,
        _source_file,
        _row_number
    from feedback
    where ticket_id is not null and corrected_priority is not null

    union all

    select
        ticket_id,
        'category' as task,
        corrected_category as corrected_label,
        corrected_at,
        _loaded_at,
        _source_file,
        _row_number
    from feedback
    where ticket_id is not null and corrected_category is not null
),

latest_corrections as (
    select *
    from corrections
    qualify row_number() over (
        partition by ticket_id, task
        order by corrected_at desc nulls last, _loaded_at desc, _source_file desc, _row_number desc
    ) = 1
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
