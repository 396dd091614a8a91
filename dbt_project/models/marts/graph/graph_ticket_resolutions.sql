{#- One resolution node per resolved ticket: who resolved it, where, how fast, whether it
    stayed resolved and how the customer rated it, and how many articles it cited.
    Incremental: a build writes again the tickets replaced since its newest load (the
    pre-hook deletes their rows first: a ticket may no longer be resolved) and every ticket
    that cites an article now or did (its count may have changed). -#}
with

tickets as (
    select * from {{ ref('tickets') }}
    where
        is_resolved
        {%- if is_incremental() %}
            and (
                _loaded_at > {{ newest_loaded_at(this) }}
                or ticket_id in (
                    select citing.ticket_id from {{ ref('graph_ticket_articles') }} as citing
                )
                or ticket_id in (
                    select cited.ticket_id from {{ this }} as cited
                    where cited.cited_article_count > 0
                )
            )
        {%- endif %}
),

cited as (
    select
        ticket_id,
        count(*) as cited_article_count
    from {{ ref('graph_ticket_articles') }}
    group by ticket_id
)

select
    cast(tickets.ticket_id as varchar) as ticket_id,
    cast('resolution:' || tickets.ticket_id as varchar) as resolution_id,
    cast(tickets.status as varchar) as resolution_status,
    cast(tickets.resolved_at as timestamp) as resolved_at,
    cast(tickets.agent_id as varchar) as resolved_by,
    cast(tickets.queue as varchar) as queue,
    cast(tickets.resolution_minutes as double) as resolution_minutes,
    cast(tickets.reopened_count > 0 as boolean) as is_reopened,
    cast(tickets.satisfaction_score as integer) as satisfaction_score,
    cast(coalesce(cited.cited_article_count, 0) as bigint) as cited_article_count,
    cast(tickets._loaded_at as timestamp) as _loaded_at
from tickets
left join cited on tickets.ticket_id = cited.ticket_id
