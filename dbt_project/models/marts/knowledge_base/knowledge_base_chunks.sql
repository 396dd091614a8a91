{#- Each current article cut at its headings: a chunk is a heading and the lines under it, up
    to the next heading of any level; lines before the first heading form chunk 0 under the
    article's title. Blank lines are dropped; a heading with no text under it is no chunk. -#}
with

articles as (
    select * from {{ ref('knowledge_base_articles') }}
),

lines as (
    -- two unnests in one select zip (line, number) without repeating the body per line
    select
        article_id,
        unnest(body_lines) as line,
        unnest(range(1, len(body_lines) + 1)) as line_number
    from (
        select
            article_id,
            string_split(body, chr(10)) as body_lines
        from articles
    ) as split_articles
),

marked as (
    select
        article_id,
        line_number,
        trim(line) as line,
        regexp_matches(line, '^\s{0,3}#{1,6}\s+\S') as is_heading
    from lines
),

numbered as (
    select
        *,
        sum(case when is_heading then 1 else 0 end) over (
            partition by article_id order by line_number
            rows between unbounded preceding and current row
        ) as chunk_number
    from marked
),

chunks as (
    select
        article_id,
        chunk_number,
        max(
            case when is_heading then trim(regexp_replace(line, '^#{1,6}\s+|\s+#+$', '', 'g')) end
        ) as heading,
        string_agg(line, chr(10) order by line_number) filter (
            where not is_heading and line <> ''
        ) as chunk_text
    from numbered
    group by article_id, chunk_number
)

select
    cast(chunks.article_id || '#' || chunks.chunk_number as varchar) as chunk_id,
    cast(chunks.article_id as varchar) as article_id,
    cast(chunks.chunk_number as integer) as chunk_number,
    cast(coalesce(chunks.heading, articles.title) as varchar) as heading,
    cast(chunks.chunk_text as varchar) as chunk_text,
    cast(articles.title as varchar) as article_title,
    cast(articles.product as varchar) as product,
    cast(articles.tags as varchar[]) as tags,
    cast(articles.updated_at as timestamp) as updated_at,
    cast(articles.url as varchar) as url,
    cast(articles._load_id as varchar) as _load_id,
    cast(articles._source_file as varchar) as _source_file
from chunks
inner join articles on chunks.article_id = articles.article_id
where chunks.chunk_text is not null
