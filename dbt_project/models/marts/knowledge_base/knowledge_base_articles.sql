{#- The current version of each article: the newest updated_at among its usable records
    (an unparsed updated_at ranks oldest), the latest load breaking ties. -#}
with

articles as (
    select * from {{ ref('stg_knowledge_base__articles') }}
    where invalid_reason is null
),

ranked as (
    select
        *,
        count(*) over (partition by article_id) as version_count
    from articles
    qualify row_number() over (
        partition by article_id
        order by updated_at desc nulls last, _loaded_at desc, _load_id desc, _row_number desc
    ) = 1
)

select
    cast(article_id as varchar) as article_id,
    cast(title as varchar) as title,
    cast(product as varchar) as product,
    cast(tags as varchar[]) as tags,
    cast(updated_at as timestamp) as updated_at,
    cast(url as varchar) as url,
    cast(body as varchar) as body,
    cast(version_count as bigint) as version_count,
    cast(_load_id as varchar) as _load_id,
    cast(_source_file as varchar) as _source_file,
    cast(_row_number as bigint) as _row_number
from ranked
