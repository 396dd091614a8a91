{#- One row per message of a kept chat, from both sources in one shape: the messages of the
    chat exports' logs, and the tweets of each rebuilt Twitter thread (customer = user,
    company = assistant, in time order). E-mail addresses and phone numbers in the content
    are masked here, before any mart sees the text (var chat_mask_pii). -#}
with

kept_exports as (

    select chat_row_id from {{ ref('int_chat_exports_deduplicated') }}
    where disposition = 'kept'

),

export_messages as (

    select * from {{ ref('stg_chats__messages') }}

),

threaded_tweets as (

    select * from {{ ref('int_tweets_threaded') }}
    where disposition = 'kept'

),

exported as (

    select
        export_messages.chat_id,
        'chat_export' as source_system,
        export_messages.message_position,
        export_messages.message_id,
        export_messages.role,
        export_messages.source_role,
        export_messages.conversation_log_type,
        export_messages.content,
        export_messages.disclaimer,
        export_messages.sent_at

    from export_messages
    inner join kept_exports
        on export_messages.chat_row_id = kept_exports.chat_row_id

),

tweeted as (

    select
        'twitter-' || thread_root_tweet_id as chat_id,
        'twitter' as source_system,
        row_number() over (
            partition by thread_root_tweet_id
            order by created_at nulls last, tweet_id
        ) as message_position,
        cast(tweet_id as varchar) as message_id,
        case when is_inbound then 'user' when not is_inbound then 'assistant' end as role,
        case when is_inbound then 'inbound' when not is_inbound then 'outbound' end
            as source_role,
        'tweet' as conversation_log_type,
        tweet_text as content,
        cast(null as varchar) as disclaimer,
        created_at as sent_at

    from threaded_tweets

),

unioned as (

    select * from exported
    union all
    select * from tweeted

),

masked as (

    select
        chat_id,
        source_system,
        message_position,
        message_id,
        role,
        source_role,
        conversation_log_type,
        {{ chat_mask_pii('content') }} as content,
        disclaimer,
        sent_at,
        coalesce(trim(content), '') = '' as is_content_empty,
        coalesce(
            contains(content, '@')
            and regexp_matches(content, '{{ chat_email_pattern() }}'),
            false
        ) as has_email_address

    from unioned

)

select * from masked
