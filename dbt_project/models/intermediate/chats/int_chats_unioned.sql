{#- One row per kept chat from both sources in one shape: the kept export row of each chat,
    and one chat per rebuilt Twitter thread (the company's support handle as organization). -#}
with

chat_exports as (

    select * from {{ ref('stg_chats__chats') }}

),

export_fates as (

    select * from {{ ref('int_chat_exports_deduplicated') }}

),

threaded_tweets as (

    select * from {{ ref('int_tweets_threaded') }}
    where disposition = 'kept'

),

exported as (

    select
        chat_exports.chat_id,
        'chat_export' as source_system,
        chat_exports.slug,
        chat_exports.token,
        chat_exports.organization_id,
        chat_exports.language,
        chat_exports.created_at,
        chat_exports.updated_at,
        chat_exports.is_test_chat,
        chat_exports.sentiment,
        chat_exports.resolution,
        chat_exports.reported_message_count,
        -- from the fates table: reading it from staging would validate every log again
        export_fates.log_status,
        chat_exports.structured_info_status,
        {% for column in chat_structured_info_column_names() -%}
            chat_exports.{{ column }},
        {% endfor -%}
        chat_exports.structured_info_keys,
        export_fates.export_count,
        chat_exports.load_id,
        chat_exports.source_file,
        chat_exports.source_row_number

    from chat_exports
    inner join export_fates
        on chat_exports.chat_row_id = export_fates.chat_row_id
    where export_fates.disposition = 'kept'

),

threads as (

    select
        'twitter-' || thread_root_tweet_id as chat_id,
        'twitter' as source_system,
        cast(null as varchar) as slug,
        cast(null as varchar) as token,
        -- the first company handle to answer in the thread
        arg_min(author_id, created_at) filter (where not is_inbound) as organization_id,
        cast(null as varchar) as language,
        min(created_at) as created_at,
        max(created_at) as updated_at,
        false as is_test_chat,
        cast(null as varchar) as sentiment,
        cast(null as varchar) as resolution,
        cast(null as integer) as reported_message_count,
        'parsed' as log_status,
        'missing' as structured_info_status,
        cast(null as varchar[]) as structured_info_keys,
        1 as export_count,
        arg_min(load_id, tweet_id) as load_id,
        arg_min(source_file, tweet_id) as source_file,
        arg_min(source_row_number, tweet_id) as source_row_number

    from threaded_tweets
    group by thread_root_tweet_id

),

unioned as (

    select * from exported
    union all by name
    select * from threads

)

select * from unioned
