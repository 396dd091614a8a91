-- The most distinctive terms of each topic (after merges) per ISO week, by class-based
-- TF-IDF with the topic-week as the class, over the other topics of the same week.
-- A term is a word of two or more letters of the normalised ticket text (subject and
-- message, lower case), not an English stop word (seeds/topic_stop_words.csv): the words
-- ml/topics.py's labels are built from (they also use word pairs).
with

tickets as (
    select * from {{ ref('int_ticket_topics_joined') }}
    -- A ticket without a creation date has no week: topic_catalog still counts it.
    where topic_id is not null and created_date is not null
),

texts as (
    select * from {{ ref('tickets') }}
),

stop_words as (
    select * from {{ ref('topic_stop_words') }}
),

words as (
    select
        tickets.topic_id,
        date_trunc('week', tickets.created_date) as week_start,
        unnest(
            regexp_extract_all(
                lower(concat_ws(' ', texts.subject, texts.message)), '\b[a-z][a-z]+\b'
            )
        ) as term
    from tickets
    inner join texts on tickets.ticket_id = texts.ticket_id
),

counted as (
    select
        words.topic_id,
        words.week_start,
        words.term,
        count(*) as term_count
    from words
    anti join stop_words on words.term = stop_words.stop_word
    group by words.topic_id, words.week_start, words.term
),

weeks as (
    select
        week_start,
        sum(term_count) / count(distinct topic_id) as average_words
    from counted
    group by week_start
),

weighted as (
    select
        counted.topic_id,
        counted.week_start,
        counted.term,
        counted.term_count,
        weeks.average_words,
        -- tf: the term's share of the topic-week's words; idf: log(1 + average words per
        -- topic that week / the term's count over all topics that week)
        counted.term_count
        / sum(counted.term_count) over (
            partition by counted.topic_id, counted.week_start
        ) as term_frequency,
        sum(counted.term_count) over (
            partition by counted.week_start, counted.term
        ) as week_term_count
    from counted
    inner join weeks on counted.week_start = weeks.week_start
),

scored as (
    select
        topic_id,
        week_start,
        term,
        term_count,
        term_frequency * ln(1 + average_words / week_term_count) as term_score
    from weighted
),

final as (
    select
        cast(topic_id as integer) as topic_id,
        cast(week_start as date) as week_start,
        cast(
            row_number() over (
                partition by topic_id, week_start order by term_score desc, term asc
            ) as integer
        ) as term_rank,
        cast(term as varchar) as term,
        cast(term_count as bigint) as term_count,
        cast(term_score as double) as term_score
    from scored
    qualify term_rank <= {{ var('topic_weekly_terms', 10) }}
)

select * from final
