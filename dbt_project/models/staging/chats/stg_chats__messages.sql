{#- The one change of grain staging allows: the source nests messages in conversation_log.
    Only logs that parse as a JSON array are unnested (stg_chats__chats.log_status says why
    the others are not); each element keeps its 1-based position in the array. -#}
with

source as (

    select * from {{ source('chats', 'chats') }}

),

parsed as (

    select
        _load_id || ':' || _row_number as chat_row_id,
        {{ clean_text('chat_id') }} as chat_id,
        json_transform(conversation_log, '{{ chat_message_schema() }}') as log_messages

    from source
    where {{ chat_log_status('conversation_log') }} = 'parsed'

),

unnested as (

    select
        chat_row_id,
        chat_id,
        unnest(generate_series(1, len(log_messages))) as message_position,
        unnest(log_messages) as log_message

    from parsed

),

renamed as (

    select
        chat_row_id,
        chat_id,
        message_position,
        {{ clean_text("log_message['id']") }} as message_id,
        log_message['role'] as source_role,
        {{ chat_role("log_message['role']") }} as role,
        {{ clean_text("log_message['type']") }} as conversation_log_type,
        log_message['content'] as content,
        log_message['disclaimer'] as disclaimer,
        {{ parse_timestamp(clean_text("log_message['created_at']")) }} as sent_at

    from unnested

)

select * from renamed
