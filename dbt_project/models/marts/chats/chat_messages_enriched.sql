with

chat_messages as (

    select * from {{ ref('int_chat_messages_unioned') }}

),

sequenced as (

    select
        *,
        -- the first message's previous role is '<start>': every first message starts a turn
        lag(role, 1, '<start>') over chat_order as previous_role,
        epoch(sent_at) - epoch(lag(sent_at) over chat_order) as seconds_since_previous_message

    from chat_messages
    window chat_order as (partition by chat_id order by message_position)

),

enriched as (

    select
        chat_id || '#' || lpad(cast(message_position as varchar), 5, '0') as chat_message_id,
        chat_id,
        source_system,
        message_position,
        message_id,
        role,
        source_role,
        role is null as is_role_unknown,
        conversation_log_type,
        content,
        length(content) as content_length,
        is_content_empty,
        has_email_address,
        disclaimer,
        sent_at,
        cast(sent_at as date) as sent_date,
        hour(sent_at) as sent_hour,
        isodow(sent_at) as sent_weekday,
        seconds_since_previous_message,
        coalesce(role, '<unknown>') <> coalesce(previous_role, '<unknown>') as is_turn_start,
        -- latency of an assistant reply to the user message right before it
        case
            when role = 'assistant' and previous_role = 'user' then seconds_since_previous_message
        end as response_seconds

    from sequenced

)

select * from enriched
