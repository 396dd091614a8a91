{#- One row per ticket and cited article: the first time it was linked (a link exported
    twice, or linked again later, counts once). Links to an article or ticket the warehouse
    does not know are kept and flagged, not dropped: the gap is worth seeing. -#}
with

links as (
    select * from {{ ref('stg_knowledge_base__ticket_links') }}
    where invalid_reason is null
),

articles as (
    select article_id from {{ ref('knowledge_base_articles') }}
),

tickets as (
    select ticket_id from {{ ref('tickets') }}
),

first_links as (
    select
        *,
        count(*) over (partition by ticket_id, article_id) as link_records
    from links
    qualify row_number() over (
        partition by ticket_id, article_id
        order by linked_at nulls last, _loaded_at, _load_id, _row_number
    ) = 1
)

select
    cast(first_links.ticket_id as varchar) as ticket_id,
    cast(first_links.article_id as varchar) as article_id,
    cast(first_links.linked_at as timestamp) as linked_at,
    cast(first_links.linked_by as varchar) as linked_by,
    cast(first_links.link_records as bigint) as link_records,
    cast(articles.article_id is not null as boolean) as is_known_article,
    cast(tickets.ticket_id is not null as boolean) as is_known_ticket,
    cast(first_links._load_id as varchar) as _load_id,
    cast(first_links._source_file as varchar) as _source_file,
    cast(first_links._row_number as bigint) as _row_number
from first_links
left join articles on first_links.article_id = articles.article_id
left join tickets on first_links.ticket_id = tickets.ticket_id
