with

source as (
    {{ optional_source('knowledge_base', 'ticket_article_links', {
        'ticket_id': 'varchar', 'article_id': 'varchar', 'linked_at': 'varchar',
        'linked_by': 'varchar', '_load_id': 'varchar', '_source_file': 'varchar',
        '_row_number': 'bigint', '_loaded_at': 'timestamp'
    }) }}
),

typed as (
    select
        _load_id || ':' || _row_number as link_row_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('article_id') }} as article_id,
        {{ parse_timestamp('linked_at') }} as linked_at,
        linked_at as raw_linked_at,
        {{ clean_text('linked_by') }} as linked_by,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
)

select
    *,
    case
        when ticket_id is null then 'ticket_id is missing'
        when article_id is null then 'article_id is missing'
        when raw_linked_at is not null and trim(raw_linked_at) <> '' and linked_at is null
            then 'linked_at is not a timestamp'
    end as invalid_reason
from typed
