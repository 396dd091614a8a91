with

source as (

    select * from {{ source('twitter', 'tweets') }}

),

renamed as (

    select
        _load_id || ':' || _row_number as tweet_row_id,
        try_cast({{ clean_text('tweet_id') }} as bigint) as tweet_id,
        {{ clean_text('author_id') }} as author_id,
        {{ parse_boolean(clean_text('inbound')) }} as is_inbound,
        timezone(
            'UTC', try_strptime({{ clean_text('created_at') }}, '%a %b %d %H:%M:%S %z %Y')
        ) as created_at,
        text as tweet_text,
        list_transform(
            string_split({{ clean_text('response_tweet_id') }}, ','),
            lambda reply_id: try_cast(trim(reply_id) as bigint)
        ) as response_tweet_ids,
        -- pandas wrote the parent id as a float (3.0); NaN reads as null
        try_cast(
            try_cast({{ clean_text('in_response_to_tweet_id') }} as double) as bigint
        ) as in_response_to_tweet_id,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from source

)

select * from renamed
