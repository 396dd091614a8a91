{#- Ticket -> cited article edges between a ticket and an article the warehouse knows
    (marts.ticket_article_links keeps and flags the others). -#}
select
    cast(ticket_id as varchar) as ticket_id,
    cast(article_id as varchar) as article_id,
    cast(linked_at as timestamp) as linked_at,
    cast(linked_by as varchar) as linked_by
from {{ ref('ticket_article_links') }}
where is_known_article and is_known_ticket
