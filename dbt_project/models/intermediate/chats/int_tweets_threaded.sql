{#- Rebuilds Twitter threads: every tweet gets the first tweet of its reply chain
    (thread_root_tweet_id) by pointer jumping: each hop replaces a tweet's ancestor by that
    ancestor's ancestor, so k hops climb 2^k levels with k joins and no recursion (portable,
    and unit-testable). A tweet replying to a tweet missing from the data starts its own
    thread. A chain that reaches no first tweet within 2^twitter_thread_hops levels (a reply
    cycle) is quarantined; a tweet_id seen twice keeps its latest load. -#}
{%- set hops = var('twitter_thread_hops', 12) | int %}
with

tweets as (

    select * from {{ ref('stg_twitter__tweets') }}

),

screened as (

    select
        *,
        case when tweet_id is null then 'tweet_id is missing or not a number' end
            as screen_reason,
        row_number() over (
            partition by tweet_id
            order by loaded_at desc, source_file desc, source_row_number desc
        ) as recency_rank

    from tweets

),

unique_tweets as (

    select
        tweet_id,
        in_response_to_tweet_id

    from screened
    where screen_reason is null and recency_rank = 1

),

hop_0 as (

    -- a first tweet (or one whose parent is not in the data) is its own ancestor
    select
        unique_tweets.tweet_id,
        coalesce(parents.tweet_id, unique_tweets.tweet_id) as ancestor_tweet_id

    from unique_tweets
    left join unique_tweets as parents
        on unique_tweets.in_response_to_tweet_id = parents.tweet_id

),

{%- for hop in range(1, hops + 1) %}

hop_{{ hop }} as (

    select
        climbing.tweet_id,
        further.ancestor_tweet_id

    from hop_{{ hop - 1 }} as climbing
    inner join hop_{{ hop - 1 }} as further
        on climbing.ancestor_tweet_id = further.tweet_id

),
{%- endfor %}

rooted as (

    -- converged only where the ancestor found is a first tweet (its own ancestor)
    select
        climbed.tweet_id,
        climbed.ancestor_tweet_id as thread_root_tweet_id

    from hop_{{ hops }} as climbed
    inner join hop_0 as roots
        on
            climbed.ancestor_tweet_id = roots.tweet_id
            and roots.ancestor_tweet_id = roots.tweet_id

),

classified as (

    select
        screened.*,
        rooted.thread_root_tweet_id,
        case
            when screened.screen_reason is not null then 'quarantined'
            when screened.recency_rank > 1 then 'superseded'
            when rooted.tweet_id is null then 'quarantined'
            else 'kept'
        end as disposition,
        case
            when screened.screen_reason is not null then screened.screen_reason
            when screened.recency_rank = 1 and rooted.tweet_id is null
                then 'reply chain reaches no first tweet: a cycle, or over {{ 2 ** hops }} deep'
        end as quarantine_reason

    from screened
    left join rooted
        on screened.tweet_id = rooted.tweet_id and screened.recency_rank = 1

)

select * exclude (screen_reason, recency_rank) from classified
