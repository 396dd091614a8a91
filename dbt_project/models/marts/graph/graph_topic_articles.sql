{#- "Which articles resolve most tickets of topic X": per topic and cited article, the
    resolved tickets of the topic that cite it, their share of the topic's resolved tickets,
    and the article's rank within the topic (1 = resolves the most). -#}
with

topics as (
    select * from {{ ref('graph_ticket_topics') }}
),

resolutions as (
    select * from {{ ref('graph_ticket_resolutions') }}
),

citations as (
    select * from {{ ref('graph_ticket_articles') }}
),

articles as (
    select
        article_id,
        title,
        product
    from {{ ref('knowledge_base_articles') }}
),

resolved_per_topic as (
    select
        topics.cluster_id,
        count(*) as resolved_tickets
    from topics
    inner join resolutions on topics.ticket_id = resolutions.ticket_id
    group by topics.cluster_id
),

per_article as (
    select
        topics.cluster_id,
        any_value(topics.cluster_label) as cluster_label,
        citations.article_id,
        count(distinct topics.ticket_id) as tickets_resolved,
        avg(resolutions.resolution_minutes) as mean_resolution_minutes,
        avg(cast(resolutions.is_reopened as integer)) as reopen_rate
    from topics
    inner join resolutions on topics.ticket_id = resolutions.ticket_id
    inner join citations on topics.ticket_id = citations.ticket_id
    group by topics.cluster_id, citations.article_id
)

select
    cast(per_article.cluster_id as integer) as cluster_id,
    cast(per_article.cluster_label as varchar) as cluster_label,
    cast(per_article.article_id as varchar) as article_id,
    cast(articles.title as varchar) as article_title,
    cast(articles.product as varchar) as article_product,
    cast(per_article.tickets_resolved as bigint) as tickets_resolved,
    cast(per_article.tickets_resolved / resolved_per_topic.resolved_tickets as double)
        as share_of_topic_resolutions,
    cast(per_article.mean_resolution_minutes as double) as mean_resolution_minutes,
    cast(per_article.reopen_rate as double) as reopen_rate,
    cast(
        row_number() over (
            partition by per_article.cluster_id
            order by per_article.tickets_resolved desc, per_article.article_id asc
        ) as bigint
    ) as rank_in_topic
from per_article
inner join resolved_per_topic on per_article.cluster_id = resolved_per_topic.cluster_id
left join articles on per_article.article_id = articles.article_id
