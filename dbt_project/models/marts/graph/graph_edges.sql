{#- Every edge of the ticket graph in one table, for BI tools and graph queries:
    (source_type, source_id) -[relation]-> (target_type, target_id).
    Incremental: a build appends the edges of the tickets replaced since its newest load
    (about_product, resolved_by, opened; the pre-hook deletes their old edges first) and all
    topic and article edges again (the topics flow and the knowledge base change those). -#}
-- depends_on: {{ ref('tickets') }}
{%- set since = newest_loaded_at(this) if is_incremental() else none %}
with

edges as (
    select
        'ticket' as source_type,
        ticket_id as source_id,
        'about_product' as relation,
        'product' as target_type,
        product_line as target_id,
        created_at as edge_at,
        _loaded_at
    from {{ ref('graph_ticket_products') }}
    {%- if since is not none %}
        where _loaded_at > {{ since }}
    {%- endif %}
    union all
    select
        'ticket' as source_type,
        ticket_id as source_id,
        'in_topic' as relation,
        'topic' as target_type,
        cast(cluster_id as varchar) as target_id,
        cast(null as timestamp) as edge_at,
        cast(null as timestamp) as _loaded_at
    from {{ ref('graph_ticket_topics') }}
    union all
    select
        'ticket' as source_type,
        ticket_id as source_id,
        'cites_article' as relation,
        'article' as target_type,
        article_id as target_id,
        linked_at as edge_at,
        cast(null as timestamp) as _loaded_at
    from {{ ref('graph_ticket_articles') }}
    union all
    select
        'ticket' as source_type,
        ticket_id as source_id,
        'resolved_by' as relation,
        'resolution' as target_type,
        resolution_id as target_id,
        resolved_at as edge_at,
        _loaded_at
    from {{ ref('graph_ticket_resolutions') }}
    {%- if since is not none %}
        where _loaded_at > {{ since }}
    {%- endif %}
    union all
    select
        'customer' as source_type,
        customer_id as source_id,
        'opened' as relation,
        'ticket' as target_type,
        ticket_id as target_id,
        created_at as edge_at,
        _loaded_at
    from {{ ref('graph_customer_tickets') }}
    {%- if since is not none %}
        where _loaded_at > {{ since }}
    {%- endif %}
)

select
    cast(relation || ':' || source_id || '->' || target_id as varchar) as edge_id,
    cast(source_type as varchar) as source_type,
    cast(source_id as varchar) as source_id,
    cast(relation as varchar) as relation,
    cast(target_type as varchar) as target_type,
    cast(target_id as varchar) as target_id,
    cast(edge_at as timestamp) as edge_at,
    cast(_loaded_at as timestamp) as _loaded_at
from edges
