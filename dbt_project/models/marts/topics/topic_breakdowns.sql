-- Tickets per topic (after merges) by queue, product line and channel.
with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    where topic_id is not null
),

unpivoted as (
    select
        topic_id,
        topic_label,
        'queue' as dimension,
        coalesce(queue, '(none)') as dimension_value
    from tickets

    union all

    select
        topic_id,
        topic_label,
        'product_line' as dimension,
        coalesce(product_line, '(none)') as dimension_value
    from tickets

    union all

    select
        topic_id,
        topic_label,
        'channel' as dimension,
        coalesce(channel, '(none)') as dimension_value
    from tickets
),

counted as (
    select
        topic_id,
        any_value(topic_label) as topic_label,
        dimension,
        dimension_value,
        count(*) as ticket_count
    from unpivoted
    group by topic_id, dimension, dimension_value
),

final as (
    select
        cast(topic_id as integer) as topic_id,
        cast(topic_label as varchar) as topic_label,
        cast(dimension as varchar) as dimension,
        cast(dimension_value as varchar) as dimension_value,
        cast(ticket_count as bigint) as ticket_count,
        cast(
            ticket_count / sum(ticket_count) over (partition by topic_id, dimension) as double
        ) as topic_share,
        cast(
            ticket_count / sum(ticket_count) over (partition by dimension, dimension_value)
            as double
        ) as dimension_value_share
    from counted
)

select * from final
