-- Tickets per topic (after merges) and ISO week (weeks start on Monday).
with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    -- A ticket without a creation date has no week: topic_catalog still counts it.
    where topic_id is not null and created_date is not null
),

weekly as (
    select
        topic_id,
        any_value(topic_label) as topic_label,
        date_trunc('week', created_date) as week_start,
        count(*) as ticket_count
    from tickets
    group by topic_id, date_trunc('week', created_date)
),

final as (
    select
        cast(topic_id as integer) as topic_id,
        cast(topic_label as varchar) as topic_label,
        cast(week_start as date) as week_start,
        cast(ticket_count as bigint) as ticket_count,
        cast(
            ticket_count / sum(ticket_count) over (partition by week_start) as double
        ) as week_ticket_share
    from weekly
)

select * from final
