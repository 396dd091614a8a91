{#- Knowledge gaps: per topic, the questions to the recommender that found no confident
    evidence (marts.recommendation_answers, every answer as given) or that agents marked not
    helpful (marts.recommendation_feedback), with examples (tickets, else the question's words
    where the operator keeps caller text, else the answer id): the articles to write.

    A question is a ticket (asked about several times, it counts once), or one answer when the
    caller named no ticket and no verdict names one. It belongs to its ticket's topic; a ticket
    without a topic yet, or no ticket, takes the topic of the nearest resolved ticket the answer
    found; without any, the category. Reported when a topic has at least
    anomaly_knowledge_gap_min_tickets gap questions and they are at least
    anomaly_knowledge_gap_min_share of its questions. -#}
{%- set min_tickets = var('anomaly_knowledge_gap_min_tickets', 2) -%}
{%- set min_share = var('anomaly_knowledge_gap_min_share', 0.5) -%}

with

feedback as (
    select * from {{ ref('recommendation_feedback') }}
),

answers as (
    select * from {{ ref('recommendation_answers') }}
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

-- the ticket an agent's verdict names, for answers whose caller named none
verdict_tickets as (
    select
        answer_id,
        min(ticket_id) as ticket_id
    from feedback
    where answer_id is not null
    group by answer_id
),

questions as (
    select
        coalesce(answers.ticket_id, verdict_tickets.ticket_id) as ticket_id,
        answers.nearest_ticket_id,
        answers.asked_at as judged_at,
        answers.is_knowledge_gap,
        coalesce(
            answers.ticket_id, verdict_tickets.ticket_id, 'answer ' || answers.answer_id
        ) as question_key,
        coalesce(
            answers.ticket_id,
            verdict_tickets.ticket_id,
            '"' || left(answers.query_text, 60) || '"',
            -- the text is kept only where the operator allows it
            'answer ' || left(answers.answer_id, 8)
        ) as example
    from answers
    left join verdict_tickets on answers.answer_id = verdict_tickets.answer_id
    union all
    select
        ticket_id,
        null as nearest_ticket_id,
        given_at as judged_at,
        is_knowledge_gap,
        ticket_id as question_key,
        ticket_id as example
    from feedback
),

placed as (
    select
        questions.*,
        case
            when coalesce(own_topic.cluster_id, nearest_topic.cluster_id) is not null
                then 'cluster'
            else 'category'
        end as series_type,
        coalesce(
            cast(coalesce(own_topic.cluster_id, nearest_topic.cluster_id) as varchar),
            own_ticket.category,
            nearest_ticket.category,
            case when questions.ticket_id is null then '(no ticket)' else '(unknown ticket)' end
        ) as series_value,
        case
            when own_topic.cluster_id is not null then own_topic.cluster_label
            else nearest_topic.cluster_label
        end as series_label
    from questions
    left join tickets as own_ticket on questions.ticket_id = own_ticket.ticket_id
    left join topics as own_topic on questions.ticket_id = own_topic.ticket_id
    left join tickets as nearest_ticket on questions.nearest_ticket_id = nearest_ticket.ticket_id
    left join topics as nearest_topic on questions.nearest_ticket_id = nearest_topic.ticket_id
),

per_series as (
    select
        series_type,
        series_value,
        any_value(series_label) as series_label,
        count(distinct question_key) filter (where is_knowledge_gap) as gap_questions,
        count(distinct question_key) as questions,
        max(judged_at) filter (where is_knowledge_gap) as last_gap_at
    from placed
    group by series_type, series_value
),

gap_examples as (
    select distinct
        series_type,
        series_value,
        example
    from placed
    where is_knowledge_gap
),

-- tickets first, then the questions' own words, then answer ids (a ticket id has no space)
examples as (
    select
        series_type,
        series_value,
        list(
            example
            order by
                case when example like '"%' then 1 when example like 'answer %' then 2 else 0 end,
                example
        ) as gap_examples
    from gap_examples
    group by series_type, series_value
),

gaps as (
    select
        cast(per_series.last_gap_at as date) as anomaly_date,
        'knowledge_gap' as anomaly_type,
        per_series.series_type,
        per_series.series_value,
        per_series.series_label,
        cast(per_series.gap_questions as double) as observed_value,
        cast(per_series.questions as double) as expected_value,
        cast(null as double) as z_score,
        per_series.gap_questions / per_series.questions as ratio,
        per_series.gap_questions as ticket_count,
        printf(
            '%s: %d of %d questions to the recommender found no confident evidence '
            || 'or were marked not helpful, last on %s; examples: %s.',
            case per_series.series_type
                when 'cluster'
                    then
                        'Topic cluster ' || per_series.series_value
                        || coalesce(' (' || per_series.series_label || ')', '')
                else 'Category ' || per_series.series_value
            end,
            per_series.gap_questions,
            per_series.questions,
            strftime(per_series.last_gap_at, '%Y-%m-%d'),
            array_to_string(examples.gap_examples[1:3], ', ')
        ) as explanation
    from per_series
    inner join examples
        on
            per_series.series_type = examples.series_type
            and per_series.series_value = examples.series_value
    where
        per_series.gap_questions >= {{ min_tickets }}
        and per_series.gap_questions / per_series.questions >= {{ min_share }}
)

select * from gaps
