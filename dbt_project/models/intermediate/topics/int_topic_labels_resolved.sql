-- Each cluster of the latest run -> the topic it counts as after the team's merges
-- (seeds/topic_labels.csv, chains followed), with the label the team gave that topic or
-- else the generated one.
with recursive

clusters as (
    select * from {{ ref('stg_ml_topics__cluster_descriptions') }}
),

labels as (
    select
        topic_id,
        label,
        -- a topic "merged into itself" stays itself
        nullif(merged_into_topic_id, topic_id) as merged_into_topic_id
    from {{ ref('topic_labels') }}
),

chain (cluster_id, topic_id, depth) as (
    select
        cluster_id,
        cluster_id as topic_id,
        0 as depth
    from clusters

    union all

    select
        chain.cluster_id,
        labels.merged_into_topic_id as topic_id,
        chain.depth + 1 as depth
    from chain
    inner join labels on chain.topic_id = labels.topic_id
    -- a cycle of merges stops after as many hops as there are labelled topics
    where labels.merged_into_topic_id is not null and chain.depth < 100
),

resolved as (
    select
        cluster_id,
        topic_id
    from chain
    qualify row_number() over (partition by cluster_id order by depth desc) = 1
),

final as (
    select
        resolved.cluster_id,
        resolved.topic_id,
        resolved.topic_id <> resolved.cluster_id as is_merged,
        coalesce(labels.label, target.cluster_label, clusters.cluster_label) as topic_label,
        labels.label as user_label,
        coalesce(target.cluster_label, clusters.cluster_label) as generated_label
    from resolved
    inner join clusters on resolved.cluster_id = clusters.cluster_id
    left join clusters as target on resolved.topic_id = target.cluster_id
    left join labels on resolved.topic_id = labels.topic_id
)

select * from final
