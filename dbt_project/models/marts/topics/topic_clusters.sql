with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    where cluster_id is not null
),

descriptions as (
    select * from {{ ref('stg_ml_topics__cluster_descriptions') }}
),

runs as (
    select * from {{ ref('stg_ml_topics__clustering_runs') }}
),

latest_run as (
    select * from runs
    qualify row_number() over (order by fitted_at desc, clustering_run_id desc) = 1
),

last_day as (
    select max(created_date) as last_created_date from tickets
),

sized as (
    select
        tickets.cluster_id,
        count(*) as ticket_count,
        count(*) filter (where tickets.is_resolved) as resolved_ticket_count,
        count(*) filter (
            where tickets.created_date > last_day.last_created_date - 7
        ) as last_7_days_ticket_count,
        avg(tickets.resolution_minutes) as mean_resolution_minutes,
        avg(cast(tickets.is_escalated as integer)) as escalation_rate,
        avg(tickets.sentiment_score) as mean_sentiment_score,
        min(tickets.created_date) as first_created_date,
        max(tickets.created_date) as last_created_date
    from tickets
    cross join last_day
    group by tickets.cluster_id
),

category_counts as (
    select
        cluster_id,
        category,
        count(*) as ticket_count
    from tickets
    group by cluster_id, category
),

top_categories as (
    select
        cluster_id,
        category as top_category,
        ticket_count / sum(ticket_count) over (partition by cluster_id) as top_category_share,
        count(*) over (partition by cluster_id) as category_count
    from category_counts
    qualify row_number() over (
        partition by cluster_id order by ticket_count desc, category asc
    ) = 1
),

product_line_counts as (
    select
        cluster_id,
        product_line,
        count(*) as ticket_count
    from tickets
    group by cluster_id, product_line
),

top_product_lines as (
    select
        cluster_id,
        product_line as top_product_line,
        ticket_count
        / sum(ticket_count) over (partition by cluster_id) as top_product_line_share
    from product_line_counts
    qualify row_number() over (
        partition by cluster_id order by ticket_count desc, product_line asc
    ) = 1
),

final as (
    select
        cast(descriptions.cluster_id as integer) as cluster_id,
        cast(descriptions.clustering_run_id as varchar) as clustering_run_id,
        cast(descriptions.cluster_label as varchar) as cluster_label,
        cast(descriptions.top_terms as varchar[]) as top_terms,
        cast(descriptions.example_ticket_ids as varchar[]) as example_ticket_ids,
        cast(coalesce(sized.ticket_count, 0) as bigint) as ticket_count,
        cast(
            coalesce(sized.ticket_count, 0) / nullif(sum(sized.ticket_count) over (), 0)
            as double
        ) as ticket_share,
        cast(coalesce(sized.resolved_ticket_count, 0) as bigint) as resolved_ticket_count,
        cast(coalesce(sized.last_7_days_ticket_count, 0) as bigint) as last_7_days_ticket_count,
        cast(top_categories.top_category as varchar) as top_category,
        cast(top_categories.top_category_share as double) as top_category_share,
        cast(top_categories.category_count as bigint) as category_count,
        cast(top_product_lines.top_product_line as varchar) as top_product_line,
        cast(top_product_lines.top_product_line_share as double) as top_product_line_share,
        cast(sized.mean_resolution_minutes as double) as mean_resolution_minutes,
        cast(sized.escalation_rate as double) as escalation_rate,
        cast(sized.mean_sentiment_score as double) as mean_sentiment_score,
        cast(sized.first_created_date as date) as first_created_date,
        cast(sized.last_created_date as date) as last_created_date,
        cast(latest_run.embedding_model as varchar) as embedding_model,
        cast(latest_run.adjusted_rand_index as double) as run_adjusted_rand_index,
        cast(latest_run.normalized_mutual_info as double) as run_normalized_mutual_info
    from descriptions
    left join sized on descriptions.cluster_id = sized.cluster_id
    left join top_categories on descriptions.cluster_id = top_categories.cluster_id
    left join top_product_lines on descriptions.cluster_id = top_product_lines.cluster_id
    left join latest_run on descriptions.clustering_run_id = latest_run.clustering_run_id
)

select * from final
