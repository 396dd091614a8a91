{#- Decides the fate of every exported chat row, so that rows in = kept + quarantined +
    superseded always holds: a row without a chat_id or whose log does not parse is
    quarantined; of the rest, the latest export of each chat is kept. -#}
with

chat_exports as (

    select
        chat_row_id,
        chat_id,
        log_status,
        updated_at,
        loaded_at,
        source_file,
        source_row_number

    from {{ ref('stg_chats__chats') }}

),

screened as (

    select
        *,
        case
            when chat_id is null then 'chat_id is missing'
            when log_status = 'malformed'
                then 'conversation_log is not valid JSON (malformed or truncated)'
            when log_status = 'not_an_array' then 'conversation_log is JSON but not an array'
        end as quarantine_reason

    from chat_exports

),

ranked as (

    select
        *,
        case
            when chat_id is not null then count(*) over (partition by chat_id)
        end as export_count,
        -- latest updated_at wins; on a tie the later load, file and line (a re-export)
        row_number() over (
            partition by chat_id, quarantine_reason is null
            order by
                updated_at desc nulls last,
                loaded_at desc,
                source_file desc,
                source_row_number desc
        ) as recency_rank

    from screened

),

classified as (

    select
        chat_row_id,
        chat_id,
        log_status,
        case
            when quarantine_reason is not null then 'quarantined'
            when recency_rank = 1 then 'kept'
            else 'superseded'
        end as disposition,
        quarantine_reason,
        export_count,
        export_count > 1 as is_exported_more_than_once

    from ranked

)

select * from classified
