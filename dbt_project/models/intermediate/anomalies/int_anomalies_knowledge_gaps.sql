{#- Knowledge gaps: per topic, the recommendations that found no confident evidence or that
    agents marked not helpful, with example tickets: the articles the team should write.
    A ticket without a topic counts under its category. Reported when a topic has at least
    anomaly_knowledge_gap_min_tickets such tickets and they are at least
    anomaly_knowledge_gap_min_share of its judged recommendations. -#}
{%- set min_tickets = var('anomaly_knowledge_gap_min_tickets', 2) -%}
{%- set min_share = var('anomaly_knowledge_gap_min_share', 0.5) -%}

with

feedback as (
    select * from {{ ref('recommendation_feedback') }}
),

tickets as (
    select
        ticket_id,
        category
    from {{ ref('tickets') }}
),

topics as (
    select
        ticket_id,
        cluster_id,
        cluster_label
    from {{ ref('graph_ticket_topics') }}
),

judged as (
    select
        feedback.ticket_id,
        feedback.given_at,
        feedback.is_knowledge_gap,
        case
            when topics.cluster_id is not null then 'cluster'
            else 'category'
        end as series_type,
        coalesce(
            cast(topics.cluster_id as varchar), tickets.category, '(unknown ticket)'
        ) as series_value,
        topics.cluster_label as series_label
    from feedback
    left join tickets on feedback.ticket_id = tickets.ticket_id
    left join topics on feedback.ticket_id = topics.ticket_id
),

per_series as (
    select
        series_type,
        series_value,
        any_value(series_label) as series_label,
        count(distinct ticket_id) filter (where is_knowledge_gap) as gap_tickets,
        count(distinct ticket_id) as judged_tickets,
        max(given_at) filter (where is_knowledge_gap) as last_gap_at,
        list(distinct ticket_id order by ticket_id) filter (where is_knowledge_gap) as gap_ids
    from judged
    group by series_type, series_value
),

gaps as (
    select
        cast(last_gap_at as date) as anomaly_date,
        'knowledge_gap' as anomaly_type,
        series_type,
        series_value,
        series_label,
        cast(gap_tickets as double) as observed_value,
        cast(judged_tickets as double) as expected_value,
        cast(null as double) as z_score,
        gap_tickets / judged_tickets as ratio,
        gap_tickets as ticket_count,
        printf(
            '%s: %d of %d tickets with judged recommendations found no confident evidence '
            || 'or were marked not helpful, last on %s; examples: %s.',
            case series_type
                when 'cluster'
                    then
                        'Topic cluster ' || series_value
                        || coalesce(' (' || series_label || ')', '')
                else 'Category ' || series_value
            end,
            gap_tickets,
            judged_tickets,
            strftime(last_gap_at, '%Y-%m-%d'),
            array_to_string(gap_ids[1:3], ', ')
        ) as explanation
    from per_series
    where
        gap_tickets >= {{ min_tickets }}
        and gap_tickets / judged_tickets >= {{ min_share }}
)

select * from gaps
