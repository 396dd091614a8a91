with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    where cluster_id is not null
),

unpivoted as (
    select
        cluster_id,
        'category' as mix_dimension,
        coalesce(category, '(none)') as mix_value
    from tickets

    union all

    select
        cluster_id,
        'product_line' as mix_dimension,
        coalesce(product_line, '(none)') as mix_value
    from tickets
),

counted as (
    select
        cluster_id,
        mix_dimension,
        mix_value,
        count(*) as ticket_count
    from unpivoted
    group by cluster_id, mix_dimension, mix_value
),

final as (
    select
        cast(cluster_id as integer) as cluster_id,
        cast(mix_dimension as varchar) as mix_dimension,
        cast(mix_value as varchar) as mix_value,
        cast(ticket_count as bigint) as ticket_count,
        cast(
            ticket_count / sum(ticket_count) over (partition by cluster_id, mix_dimension)
            as double
        ) as ticket_share
    from counted
)

select * from final
