{#- One row per verdict (feedback_id): the copy from the latest load when a verdict was
    exported twice. A knowledge gap is an answer that found no confident evidence or that
    the agent marked not helpful. -#}
with

feedback as (
    select * from {{ ref('stg_recommendation_feedback') }}
    where invalid_reason is null
),

latest as (
    select
        *,
        count(*) over (partition by feedback_id) as copies
    from feedback
    qualify row_number() over (
        partition by feedback_id order by _loaded_at desc, _load_id desc, _row_number desc
    ) = 1
)

select
    cast(feedback_id as varchar) as feedback_id,
    cast(answer_id as varchar) as answer_id,
    cast(ticket_id as varchar) as ticket_id,
    cast(agent_id as varchar) as agent_id,
    cast(given_at as timestamp) as given_at,
    cast(verdict as varchar) as verdict,
    cast(evidence_id as varchar) as evidence_id,
    cast(confidence as double) as confidence,
    cast(was_confident as boolean) as was_confident,
    cast(verdict = 'not_helpful' or was_confident is false as boolean) as is_knowledge_gap,
    cast(copies as bigint) as copies,
    cast(_load_id as varchar) as _load_id,
    cast(_source_file as varchar) as _source_file,
    cast(_row_number as bigint) as _row_number
from latest
