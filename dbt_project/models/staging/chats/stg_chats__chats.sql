with

source as (

    select * from {{ source('chats', 'chats') }}

),

parsed as (

    select
        *,
        {{ chat_parse_structured_info('structured_info') }} as structured_info_fields

    from source

),

renamed as (

    select
        _load_id || ':' || _row_number as chat_row_id,
        {{ clean_text('chat_id') }} as chat_id,
        {{ clean_text('slug') }} as slug,
        {{ clean_text('token') }} as token,
        {{ clean_text('organization_id') }} as organization_id,
        lower({{ clean_text('language') }}) as language,
        {{ parse_timestamp(clean_text('created_at')) }} as created_at,
        {{ parse_timestamp(clean_text('updated_at')) }} as updated_at,
        {{ parse_boolean(clean_text('is_test_chat')) }} as is_test_chat,
        lower({{ clean_text('sentiment') }}) as sentiment,
        lower({{ clean_text('resolution') }}) as resolution,
        try_cast({{ clean_text('message_count') }} as integer) as reported_message_count,
        {{ chat_log_status('conversation_log') }} as log_status,
        conversation_log,
        case
            when {{ clean_text('structured_info') }} is null then 'missing'
            when not json_valid(structured_info) then 'malformed'
            when json_type(structured_info) <> 'OBJECT' then 'not_an_object'
            else 'parsed'
        end as structured_info_status,
        {{ chat_structured_info_columns('structured_info_fields') }},
        {{ chat_structured_info_all_keys('structured_info') }} as structured_info_keys,
        _load_id as load_id,
        _source_file as source_file,
        _row_number as source_row_number,
        _loaded_at as loaded_at

    from parsed

)

select * from renamed
