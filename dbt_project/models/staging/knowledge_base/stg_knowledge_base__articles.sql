with

source as (
    {{ optional_source('knowledge_base', 'knowledge_base', {
        'article_id': 'varchar', 'title': 'varchar', 'body': 'varchar', 'product': 'varchar',
        'tags': 'varchar', 'updated_at': 'varchar', 'url': 'varchar', '_load_id': 'varchar',
        '_source_file': 'varchar', '_row_number': 'bigint', '_loaded_at': 'timestamp'
    }) }}
),

typed as (
    select
        _load_id || ':' || _row_number as article_row_id,
        {{ clean_text('article_id') }} as article_id,
        {{ clean_text('title') }} as title,
        nullif(trim(replace(body, chr(13), '')), '') as body,
        {{ clean_text('product') }} as product,
        case
            when trim(tags) like '[%'
                then list_filter(
                    list_transform(
                        try_cast(json(trim(tags)) as varchar[]), lambda tag: trim(tag)
                    ),
                    lambda tag: tag <> ''
                )
            else list_filter(
                list_transform(string_split(coalesce(tags, ''), ','), lambda tag: trim(tag)),
                lambda tag: tag <> ''
            )
        end as tags,
        {{ parse_timestamp('updated_at') }} as updated_at,
        updated_at as raw_updated_at,
        {{ clean_text('url') }} as url,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
)

select
    *,
    case
        when article_id is null then 'article_id is missing'
        when title is null then 'title is missing'
        when body is null then 'body is empty'
    end as invalid_reason,
    raw_updated_at is not null and trim(raw_updated_at) <> '' and updated_at is null
        as has_unparsed_updated_at
from typed
