with

source as (
    {{ optional_source('ticket_history', 'ticket_events', {
        'event_id': 'varchar', 'ticket_id': 'varchar', 'created_at': 'varchar',
        'event_type': 'varchar', 'field_name': 'varchar', 'value': 'varchar',
        'previous_value': 'varchar', 'author_id': 'varchar', 'author_role': 'varchar',
        'is_public': 'varchar', 'body': 'varchar', '_load_id': 'varchar',
        '_source_file': 'varchar', '_row_number': 'bigint', '_loaded_at': 'timestamp'
    }) }}
),

parsed as (
    select
        {{ clean_text('event_id') }} as event_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ parse_timestamp('created_at') }} as parsed_created_at,
        {{ label_key('event_type') }} as event_type_key,
        {{ label_key('field_name') }} as field_name_key,
        {{ clean_text('value') }} as field_value,
        {{ label_key('value') }} as value_key,
        {{ clean_text('previous_value') }} as previous_field_value,
        {{ label_key('previous_value') }} as previous_value_key,
        {{ clean_text('author_id') }} as author_id,
        case {{ label_key('author_role') }}
            when 'agent' then 'agent'
            when 'admin' then 'agent'
            when 'end user' then 'end-user'
            when 'enduser' then 'end-user'
            when 'customer' then 'end-user'
            when 'requester' then 'end-user'
            when 'system' then 'system'
        end as parsed_author_role,
        {{ parse_boolean('is_public') }} as parsed_is_public,
        nullif(body, '') as body,
        created_at,
        author_role,
        is_public,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

classified as (
    -- Vendors name the same fields differently (Zendesk assignee_id / group_id, Jira
    -- assignee); other fields (tags, custom fields) are kept as 'other' and not modeled.
    select
        *,
        case
            when field_name_key = 'status' then 'status'
            when field_name_key = 'priority' then 'priority'
            when field_name_key in ('assignee', 'assignee id') then 'assignee'
            when field_name_key in ('group', 'group id') then 'group'
            -- A merge: an explicit merged-into field (value: the ticket it went into), or
            -- Zendesk's closed_by_merge tag, which names no target.
            when field_name_key in ('merged into', 'merged into ticket id', 'merge') then 'merge'
            when field_name_key = 'tags' and value_key like '%closed by merge%'
                then 'merge'
            when field_name_key is not null then 'other'
        end as field,
        -- A row with a field name is a change; without one it is a comment unless its type
        -- says otherwise (Zendesk's notification and CC events carry no field and no text).
        case
            when field_name_key is not null then 'change'
            when event_type_key is null or event_type_key in ('comment', 'voice comment')
                then 'comment'
            else 'other'
        end as event_kind,
        -- The export cannot know the future (a day allowed for clock skew); dates outside
        -- 2000-2100 are placeholders.
        case
            when
                parsed_created_at >= timestamp '2000-01-01'
                and parsed_created_at < timestamp '2100-01-01'
                and parsed_created_at <= _loaded_at + interval 1 day
                then parsed_created_at
        end as occurred_at
    from parsed
),

flagged as (
    select
        *,
        {{ is_unusable('created_at', 'occurred_at') }} as has_invalid_created_at,
        {{ is_unusable('author_role', 'parsed_author_role') }} as has_invalid_author_role,
        {{ is_unusable('is_public', 'parsed_is_public') }} as has_invalid_is_public
    from classified
)

select
    event_id,
    ticket_id,
    occurred_at,
    event_kind,
    field,
    field_name_key,
    field_value,
    value_key,
    previous_field_value,
    previous_value_key,
    author_id,
    parsed_author_role as author_role,
    parsed_is_public as is_public,
    body,
    has_invalid_created_at,
    has_invalid_author_role,
    has_invalid_is_public,
    ticket_id is null as has_missing_ticket_id,
    _load_id,
    _source_file,
    _row_number,
    _loaded_at
from flagged
