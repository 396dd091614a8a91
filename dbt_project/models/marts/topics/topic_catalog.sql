-- One row per topic after the team's merges: its label (the team's or the generated one),
-- the clusters folded into it, and its size over the latest clustering run.
with

topics as (
    select * from {{ ref('int_topic_labels_resolved') }}
),

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    where topic_id is not null
),

folded as (
    select
        topic_id,
        any_value(topic_label) as topic_label,
        any_value(user_label) as user_label,
        any_value(generated_label) as generated_label,
        list(cluster_id order by cluster_id) as cluster_ids,
        count(*) filter (where is_merged) as merged_cluster_count
    from topics
    group by topic_id
),

sized as (
    select
        topic_id,
        count(*) as ticket_count,
        min(created_date) as first_created_date,
        max(created_date) as last_created_date
    from tickets
    group by topic_id
),

final as (
    select
        cast(folded.topic_id as integer) as topic_id,
        cast(folded.topic_label as varchar) as topic_label,
        cast(folded.user_label as varchar) as user_label,
        cast(folded.generated_label as varchar) as generated_label,
        cast(folded.cluster_ids as integer[]) as cluster_ids,
        cast(folded.merged_cluster_count as bigint) as merged_cluster_count,
        cast(coalesce(sized.ticket_count, 0) as bigint) as ticket_count,
        cast(
            coalesce(sized.ticket_count, 0) / nullif(sum(sized.ticket_count) over (), 0)
            as double
        ) as ticket_share,
        cast(sized.first_created_date as date) as first_created_date,
        cast(sized.last_created_date as date) as last_created_date
    from folded
    left join sized on folded.topic_id = sized.topic_id
)

select * from final
