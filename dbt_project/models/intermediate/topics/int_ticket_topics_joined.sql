with

tickets as (
    select * from {{ ref('tickets') }}
),

text_hashes as (
    select * from {{ ref('stg_ml_topics__ticket_text_hashes') }}
),

sentiments as (
    select * from {{ ref('stg_ml_topics__text_sentiments') }}
),

clusters as (
    select * from {{ ref('stg_ml_topics__ticket_clusters') }}
),

descriptions as (
    select * from {{ ref('stg_ml_topics__cluster_descriptions') }}
),

topics as (
    select * from {{ ref('int_topic_labels_resolved') }}
),

joined as (
    select
        tickets.ticket_id,
        tickets.created_date,
        tickets.category,
        tickets.product_line,
        tickets.queue,
        tickets.channel,
        tickets.is_resolved,
        tickets.is_escalated,
        tickets.resolution_minutes,
        clusters.cluster_id,
        descriptions.cluster_label,
        topics.topic_id,
        topics.topic_label,
        sentiments.sentiment_score
    from tickets
    left join text_hashes on tickets.ticket_id = text_hashes.ticket_id
    left join sentiments on text_hashes.text_hash = sentiments.text_hash
    left join clusters on tickets.ticket_id = clusters.ticket_id
    left join descriptions on clusters.cluster_id = descriptions.cluster_id
    left join topics on clusters.cluster_id = topics.cluster_id
)

select * from joined
