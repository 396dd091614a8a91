with

chats as (

    select * from {{ ref('int_chats_unioned') }}

),

chat_messages as (

    select * from {{ ref('chat_messages_enriched') }}

),

message_facts as (

    select
        chat_id,
        count(*) as message_count,
        count(*) filter (where role = 'user') as user_message_count,
        count(*) filter (where role = 'assistant') as assistant_message_count,
        count(*) filter (where is_role_unknown) as unknown_role_message_count,
        count(*) filter (where is_content_empty) as empty_content_message_count,
        count(*) filter (where is_turn_start) as turn_count,
        min(sent_at) as first_message_at,
        max(sent_at) as last_message_at,
        min(sent_at) filter (where role = 'user') as first_user_message_at,
        arg_min(response_seconds, message_position) filter (where response_seconds is not null)
            as first_response_seconds,
        avg(response_seconds) as average_response_seconds,
        avg(seconds_since_previous_message) filter (where is_turn_start)
            as average_seconds_between_turns,
        arg_min(message_id, message_position) filter (where conversation_log_type = 'default')
            as default_message_id,
        bool_and(coalesce(conversation_log_type = 'default', false)) as has_only_default_messages,
        bool_or(has_email_address) as has_email_in_content

    from chat_messages
    group by chat_id

),

joined as (

    select
        chats.chat_id,
        chats.source_system,
        chats.organization_id,
        chats.slug,
        chats.token,
        chats.language,
        chats.created_at,
        chats.updated_at,
        cast(chats.created_at as date) as created_date,
        hour(chats.created_at) as created_hour,
        isodow(chats.created_at) as created_weekday,
        epoch(chats.updated_at) - epoch(chats.created_at) as duration_seconds,
        message_facts.first_message_at,
        message_facts.last_message_at,
        epoch(message_facts.last_message_at) - epoch(message_facts.first_message_at)
            as conversation_seconds,
        coalesce(message_facts.message_count, 0) as message_count,
        coalesce(message_facts.user_message_count, 0) as user_message_count,
        coalesce(message_facts.assistant_message_count, 0) as assistant_message_count,
        coalesce(message_facts.unknown_role_message_count, 0) as unknown_role_message_count,
        coalesce(message_facts.empty_content_message_count, 0) as empty_content_message_count,
        coalesce(message_facts.turn_count, 0) as turn_count,
        chats.reported_message_count,
        message_facts.first_user_message_at,
        message_facts.first_response_seconds,
        message_facts.average_response_seconds,
        message_facts.average_seconds_between_turns,
        message_facts.default_message_id,
        coalesce(message_facts.has_only_default_messages, false) as is_default_chat,
        chats.is_test_chat,
        chats.sentiment,
        chats.resolution,
        chats.sentiment is not null or chats.resolution is not null as is_chat_classified,
        chats.actions,
        chats.locations,
        chats.pois,
        chats.provinces,
        chats.countries,
        chats.cities,
        chats.regions,
        chats.section_type as section_types,
        chats.trip_type as trip_types,
        chats.email_types,
        chats.categories,
        chats.themes,
        chats.first_name,
        chats.last_name,
        coalesce(
            chats.full_name,
            nullif(
                trim(
                    coalesce(chats.first_name, '')
                    || ' '
                    || coalesce(chats.last_name, '')
                ),
                ''
            )
        ) as customer_name,
        chats.email,
        chats.phone_number,
        chats.suborganization,
        chats.starting_domain,
        chats.most_relevant_trip_name,
        chats.most_relevant_brand_name,
        chats.recommendations_cta_url,
        chats.intent_type,
        chats.current_brands,
        chats.email is not null
        or coalesce(message_facts.has_email_in_content, false) as has_email,
        chats.log_status,
        chats.log_status = 'parsed' as is_log_parsed,
        chats.structured_info_status,
        coalesce(len(chats.structured_info_keys) > 0, false) as is_structured_info_extracted,
        coalesce({{ chat_structured_info_extra_keys('chats.structured_info_keys') }}, [])
            as structured_info_extra_keys,
        coalesce(
            len({{ chat_structured_info_extra_keys('chats.structured_info_keys') }}) > 0, false
        ) as has_structured_info_extra_keys,
        coalesce(
            chats.reported_message_count <> coalesce(message_facts.message_count, 0), false
        ) as has_message_count_mismatch,
        coalesce(message_facts.empty_content_message_count, 0) > 0 as has_empty_content,
        coalesce(message_facts.unknown_role_message_count, 0) > 0 as has_unknown_role,
        chats.created_at is null
        or chats.updated_at is null
        or chats.updated_at < chats.created_at as has_invalid_timestamps,
        chats.export_count,
        chats.export_count > 1 as is_exported_more_than_once,
        chats.load_id,
        chats.source_file,
        chats.source_row_number

    from chats
    left join message_facts
        on chats.chat_id = message_facts.chat_id

)

select * from joined
