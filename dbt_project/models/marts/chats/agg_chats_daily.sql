with

chat_sessions as (

    select * from {{ ref('chat_sessions') }}

),

daily as (

    select
        created_date,
        source_system,
        coalesce(language, 'unknown') as language,
        count(*) as chat_count,
        cast(sum(message_count) as bigint) as message_count,
        cast(sum(user_message_count) as bigint) as user_message_count,
        avg(message_count) as average_messages_per_chat,
        count(*) filter (where user_message_count = 0) as chats_without_user_message,
        median(duration_seconds) as median_duration_seconds,
        median(first_response_seconds) as median_first_response_seconds,
        avg(first_response_seconds) as average_first_response_seconds,
        count(*) filter (where has_message_count_mismatch) as chats_with_count_mismatch,
        count(*) filter (where is_exported_more_than_once) as chats_exported_more_than_once,
        count(*) filter (where has_empty_content) as chats_with_empty_content,
        count(*) filter (where has_unknown_role) as chats_with_unknown_role,
        count(*) filter (where is_test_chat) as test_chat_count

    from chat_sessions
    where created_date is not null
    group by created_date, source_system, coalesce(language, 'unknown')

)

select * from daily
