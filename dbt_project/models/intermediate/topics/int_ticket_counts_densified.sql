-- Daily ticket counts and sentiment sums per series (all tickets, each category, each topic
-- cluster), with a row for every calendar day from the first ticket to the last, zeros
-- included: the anomaly baselines count weeks and days by rows, so no day may be missing.
with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    where created_date is not null
),

series_tickets as (
    select
        'all' as series_type,
        'all tickets' as series_value,
        cast(null as varchar) as series_label,
        created_date,
        sentiment_score
    from tickets

    union all

    select
        'category' as series_type,
        category as series_value,
        cast(null as varchar) as series_label,
        created_date,
        sentiment_score
    from tickets
    where category is not null

    union all

    select
        'cluster' as series_type,
        cast(cluster_id as varchar) as series_value,
        cluster_label as series_label,
        created_date,
        sentiment_score
    from tickets
    where cluster_id is not null
),

calendar as (
    select
        cast(unnest(generate_series(
            cast(min(created_date) as timestamp),
            cast(max(created_date) as timestamp),
            interval 1 day
        )) as date) as activity_date
    from tickets
),

series as (
    select
        series_type,
        series_value,
        any_value(series_label) as series_label
    from series_tickets
    group by series_type, series_value
),

counted as (
    select
        series_type,
        series_value,
        created_date as activity_date,
        count(*) as ticket_count,
        count(sentiment_score) as scored_ticket_count,
        sum(sentiment_score) as sentiment_sum,
        sum(sentiment_score * sentiment_score) as sentiment_square_sum
    from series_tickets
    group by series_type, series_value, created_date
),

densified as (
    select
        series.series_type,
        series.series_value,
        series.series_label,
        case series.series_type
            when 'all' then 'All tickets'
            when 'category' then series.series_value || ' tickets'
            else
                'Topic cluster ' || series.series_value
                || coalesce(' (' || series.series_label || ')', '')
        end as series_description,
        calendar.activity_date,
        coalesce(counted.ticket_count, 0) as ticket_count,
        coalesce(counted.scored_ticket_count, 0) as scored_ticket_count,
        coalesce(counted.sentiment_sum, 0) as sentiment_sum,
        coalesce(counted.sentiment_square_sum, 0) as sentiment_square_sum
    from series
    cross join calendar
    left join counted
        on
            series.series_type = counted.series_type
            and series.series_value = counted.series_value
            and calendar.activity_date = counted.activity_date
)

select * from densified
