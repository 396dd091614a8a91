{#- Proves nothing is lost between the landing files and the chat marts, per source: records
    the ingest read = landed in raw + quarantined by the ingest; landed = kept + quarantined
    here + superseded by a later export; kept exports = chats in the marts; kept tweets =
    messages in the marts; every message of chat_messages_enriched reaches messages. The
    balances are tested in chat_reconciliation.yml. -#}
-- The contract's column names (spaces, camelCase) are quoted on purpose.
-- noqa: disable=RF05,RF06
with

manifest as (

    select * from {{ source('helpdesk', 'load_manifest') }}

),

chat_exports as (

    select * from {{ ref('int_chat_exports_deduplicated') }}

),

threaded_tweets as (

    select * from {{ ref('int_tweets_threaded') }}

),

chat_sessions as (

    select * from {{ ref('chat_sessions') }}

),

chat_messages_enriched as (

    select * from {{ ref('chat_messages_enriched') }}

),

chat_messages as (

    select * from {{ ref('messages') }}

),

source_systems as (

    select
        'chat_export' as source_system,
        'chats' as landing_source
    union all
    select
        'twitter' as source_system,
        'tweets' as landing_source

),

ingested as (

    select
        source as landing_source,
        cast(sum(rows_read) as bigint) as ingest_records_read,
        cast(sum(rows_quarantined) as bigint) as ingest_records_quarantined

    from manifest
    where status = 'loaded'
    group by source

),

fates as (

    select
        'chat_export' as source_system,
        count(*) as records_landed,
        count(*) filter (where disposition = 'kept') as records_kept,
        count(*) filter (where disposition = 'quarantined') as records_quarantined,
        count(*) filter (where disposition = 'superseded') as records_superseded

    from chat_exports

    union all

    select
        'twitter' as source_system,
        count(*) as records_landed,
        count(*) filter (where disposition = 'kept') as records_kept,
        count(*) filter (where disposition = 'quarantined') as records_quarantined,
        count(*) filter (where disposition = 'superseded') as records_superseded

    from threaded_tweets

),

in_marts as (

    select
        source_system,
        count(*) as chats_in_marts,
        cast(sum(message_count) as bigint) as messages_counted

    from chat_sessions
    group by source_system

),

enriched_messages as (

    select
        source_system,
        count(*) as messages_enriched

    from chat_messages_enriched
    group by source_system

),

messages_in_marts as (

    select
        chat_sessions.source_system,
        count(*) as messages_in_marts

    from chat_messages
    inner join chat_sessions
        on chat_messages."chatId" = chat_sessions.chat_id
    group by chat_sessions.source_system

),

reconciled as (

    select
        source_systems.source_system,
        coalesce(ingested.ingest_records_read, 0) as ingest_records_read,
        coalesce(ingested.ingest_records_quarantined, 0) as ingest_records_quarantined,
        fates.records_landed,
        fates.records_kept,
        fates.records_quarantined,
        fates.records_superseded,
        coalesce(in_marts.chats_in_marts, 0) as chats_in_marts,
        coalesce(enriched_messages.messages_enriched, 0) as messages_enriched,
        coalesce(messages_in_marts.messages_in_marts, 0) as messages_in_marts,
        coalesce(in_marts.messages_counted, 0) as messages_counted

    from source_systems
    left join ingested
        on source_systems.landing_source = ingested.landing_source
    left join fates
        on source_systems.source_system = fates.source_system
    left join enriched_messages
        on source_systems.source_system = enriched_messages.source_system
    left join in_marts
        on source_systems.source_system = in_marts.source_system
    left join messages_in_marts
        on source_systems.source_system = messages_in_marts.source_system

)

select * from reconciled
