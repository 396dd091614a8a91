with

chat_exports as (

    select * from {{ ref('stg_chats__chats') }}

),

export_fates as (

    select * from {{ ref('int_chat_exports_deduplicated') }}

),

threaded_tweets as (

    select * from {{ ref('int_tweets_threaded') }}

),

quarantined_exports as (

    select
        chat_exports.chat_row_id as source_record_id,
        'chat_export' as source_system,
        chat_exports.chat_id,
        export_fates.quarantine_reason,
        chat_exports.conversation_log as raw_record,
        chat_exports.load_id,
        chat_exports.source_file,
        chat_exports.source_row_number,
        chat_exports.loaded_at

    from chat_exports
    inner join export_fates
        on chat_exports.chat_row_id = export_fates.chat_row_id
    where export_fates.disposition = 'quarantined'

),

quarantined_tweets as (

    select
        tweet_row_id as source_record_id,
        'twitter' as source_system,
        cast(tweet_id as varchar) as chat_id,
        quarantine_reason,
        tweet_text as raw_record,
        load_id,
        source_file,
        source_row_number,
        loaded_at

    from threaded_tweets
    where disposition = 'quarantined'

),

unioned as (

    select * from quarantined_exports
    union all
    select * from quarantined_tweets

)

select * from unioned
