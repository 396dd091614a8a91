-- The one home of "the latest correction wins": per ticket and task, the correction with the
-- latest corrected_at (an undated one loses to any dated one), ties to the row loaded last.
-- A blank corrected value leaves that label as recorded, so it never wins. Training
-- (ml/feedback.py) and the agreement mart read this.
with

feedback as (
    select * from {{ ref('stg_api__feedback') }}
),

corrections as (
    select
        ticket_id,
        'priority' as task,
        corrected_priority as corrected_label,
        corrected_by,
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
        corrected_by,
        corrected_at,
        _loaded_at,
        _source_file,
        _row_number
    from feedback
    where ticket_id is not null and corrected_category is not null
),

latest as (
    select *
    from corrections
    qualify row_number() over (
        partition by ticket_id, task
        order by
            corrected_at desc nulls last,
            _loaded_at desc,
            _source_file desc,
            _row_number desc
    ) = 1
),

final as (
    select
        cast(ticket_id as varchar) as ticket_id,
        cast(task as varchar) as task,
        cast(corrected_label as varchar) as corrected_label,
        cast(corrected_by as varchar) as corrected_by,
        cast(corrected_at as timestamp) as corrected_at
    from latest
)

select * from final
