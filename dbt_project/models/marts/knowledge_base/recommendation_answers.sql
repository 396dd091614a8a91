{#- One row per answer (answer_id), the copy from the latest load when a log file was loaded
    twice under another name. An answer that found no confident evidence is a knowledge gap
    whether or not an agent judged it. -#}
with

answers as (
    select * from {{ ref('stg_recommendation_answers') }}
    where invalid_reason is null
),

latest as (
    select
        *,
        count(*) over (partition by answer_id) as copies
    from answers
    qualify row_number() over (
        partition by answer_id order by _loaded_at desc, _load_id desc, _row_number desc
    ) = 1
)

select
    cast(answer_id as varchar) as answer_id,
    cast(ticket_id as varchar) as ticket_id,
    cast(asked_at as timestamp) as asked_at,
    cast(channel as varchar) as channel,
    cast(query_sha256 as varchar) as query_sha256,
    cast(query_text as varchar) as query_text,
    cast(was_confident as boolean) as was_confident,
    cast(confidence as double) as confidence,
    cast(min_confidence as double) as min_confidence,
    cast(nearest_ticket_id as varchar) as nearest_ticket_id,
    cast(nearest_ticket_similarity as double) as nearest_ticket_similarity,
    cast(evidence_ids as varchar) as evidence_ids,
    cast(not was_confident as boolean) as is_knowledge_gap,
    cast(copies as bigint) as copies,
    cast(_load_id as varchar) as _load_id,
    cast(_source_file as varchar) as _source_file,
    cast(_row_number as bigint) as _row_number
from latest
