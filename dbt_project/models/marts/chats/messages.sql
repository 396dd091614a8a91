{#- The messages.csv contract: one row per message carrying its chat's fields, exactly the 47
    columns in the contract's order. Chat-level fields come from the chats contract (array
    columns already JSON text); the five the chats contract lacks from chat_sessions. Each
    column's origin is documented in messages.yml. -#}
-- The contract's column names (spaces, camelCase) are quoted on purpose.
-- noqa: disable=RF05,RF06
with

chat_messages as (

    select * from {{ ref('chat_messages_enriched') }}

),

chats as (

    select * from {{ ref('chats') }}

),

chat_sessions as (

    select * from {{ ref('chat_sessions') }}

),

chat_fields as (

    -- joined at chat grain first, so the message-grain join below happens once
    select
        chats.*,
        chat_sessions.current_brands,
        chat_sessions.intent_type,
        to_json(coalesce(chat_sessions.regions, [])) as regions,
        to_json(coalesce(chat_sessions.categories, [])) as categories,
        to_json(coalesce(chat_sessions.themes, [])) as themes

    from chats
    inner join chat_sessions
        on chats."chatId" = chat_sessions.chat_id

),

contracted as (

    select
        chat_fields."locations",
        cast(null as varchar) as "messageSuborganization",
        chat_fields."user bypass messages limit",
        chat_fields.current_brands as "current brands",
        chat_fields."read only token",
        chat_fields."pois",
        chat_fields."is test chat",
        chat_fields."clientId",
        chat_fields."organizationConfigId",
        chat_fields."email",
        chat_fields."suborganization",
        chat_fields."provinces",
        chat_messages.role as "role",
        chat_fields."starting domain",
        chat_fields."is reviewed",
        chat_fields."limit messages case",
        chat_fields."sentiment",
        chat_fields.intent_type as "intentType",
        chat_fields."slug",
        chat_fields."is chat classified",
        chat_fields."ontraport update time",
        chat_fields."trip type",
        chat_fields.regions as "regions",
        chat_fields."countries",
        chat_messages.chat_id as "chatId",
        chat_fields."newsletter subscription time",
        chat_messages.conversation_log_type as "conversationLogType",
        chat_fields."language",
        chat_fields."idle message sent time",
        chat_fields."resolution",
        chat_messages.chat_message_id as "sk messageId",
        chat_fields."token",
        chat_fields."subscription idle message sent time",
        chat_fields."is default chat",
        chat_messages.message_id as "messageId",
        chat_fields.categories as "categories",
        chat_messages.content as "content",
        chat_fields."ontraport note id",
        chat_fields."created at",
        chat_fields."organizationId",
        chat_fields."updated at",
        chat_fields."idle email sent time",
        chat_fields."humanloop session id",
        chat_fields."defaultMessageId",
        chat_fields."is structured info extracted",
        chat_fields.themes as "themes",
        chat_fields."cities"

    from chat_messages
    inner join chat_fields
        on chat_messages.chat_id = chat_fields."chatId"

)

select * from contracted
