with

source as (
    select * from {{ source('helpdesk', 'tickets') }}
),

parsed as (
    -- Blank cells mean "no value". Free text keeps its spacing: trimming every long message
    -- would cost more than all the other cleaning together at 10M rows.
    select
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('customer_id') }} as customer_id,
        {{ clean_text('agent_id') }} as agent_id,
        {{ parse_timestamp('created_at') }} as parsed_created_at,
        {{ parse_timestamp('first_response_at') }} as parsed_first_response_at,
        {{ parse_timestamp('resolved_at') }} as parsed_resolved_at,
        {{ parse_timestamp('updated_at') }} as parsed_updated_at,
        case {{ label_key('status') }}
            when 'open' then 'Open'
            when 'pending' then 'Pending'
            when 'resolved' then 'Resolved'
            when 'closed' then 'Closed'
        end as parsed_status,
        -- Priority, category and queue become matching keys here ('  TECHNICAL ' ->
        -- 'technical'); int_tickets_conformed maps the keys onto their seeds' spelling
        -- (staging has no joins).
        {{ label_key('priority') }} as priority_key,
        {{ label_key('category') }} as category_key,
        case {{ label_key('channel') }}
            when 'email' then 'Email'
            when 'e mail' then 'Email'
            when 'chat' then 'Chat'
            when 'live chat' then 'Chat'
            when 'phone' then 'Phone'
            when 'web form' then 'Web Form'
            when 'webform' then 'Web Form'
            when 'web' then 'Web Form'
            when 'social' then 'Social'
            when 'social media' then 'Social'
        end as parsed_channel,
        {{ label_key('queue') }} as queue_key,
        {{ clean_text('product_line') }} as product_line,
        nullif(subject, '') as subject,
        nullif(message, '') as message,
        {{ parse_boolean('escalated') }} as parsed_escalated,
        {{ parse_boolean('sla_breach') }} as parsed_sla_breach,
        try_cast(satisfaction_score as double) as parsed_satisfaction_score,
        try_cast(reopened_count as double) as parsed_reopened_count,
        try_cast(resolution_minutes as double) as parsed_resolution_minutes,
        -- The text stays until the flags below tell a missing value from an unusable one.
        created_at,
        first_response_at,
        resolved_at,
        updated_at,
        status,
        channel,
        escalated,
        sla_breach,
        satisfaction_score,
        reopened_count,
        resolution_minutes,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from source
),

validated as (
    select
        *,
        -- Dates outside 2000-2100 are placeholders (epoch zero, 9999-12-31), not events.
        -- Numbers must be finite: 'NaN', 'inf' and '1e309' cast to double, and NaN >= 0 is
        -- true in DuckDB, so one such cell would turn every mean and percentile into nan/inf.
        case
            when
                parsed_created_at >= timestamp '2000-01-01'
                and parsed_created_at < timestamp '2100-01-01'
                then parsed_created_at
        end as valid_created_at,
        case
            when
                isfinite(parsed_satisfaction_score)
                and parsed_satisfaction_score between 1 and 5
                and parsed_satisfaction_score = floor(parsed_satisfaction_score)
                then cast(parsed_satisfaction_score as integer)
        end as valid_satisfaction_score,
        case
            when
                isfinite(parsed_reopened_count)
                and parsed_reopened_count between 0 and 2147483647
                and parsed_reopened_count = floor(parsed_reopened_count)
                then cast(parsed_reopened_count as integer)
        end as valid_reopened_count,
        case
            when
                isfinite(parsed_resolution_minutes)
                and parsed_resolution_minutes >= 0
                then parsed_resolution_minutes
        end as valid_resolution_minutes
    from parsed
),

sequenced as (
    -- A response or resolution before the ticket was created cannot have happened.
    select
        *,
        case
            when
                parsed_first_response_at >= timestamp '2000-01-01'
                and parsed_first_response_at < timestamp '2100-01-01'
                and (valid_created_at is null or parsed_first_response_at >= valid_created_at)
                then parsed_first_response_at
        end as valid_first_response_at,
        case
            when
                parsed_resolved_at >= timestamp '2000-01-01'
                and parsed_resolved_at < timestamp '2100-01-01'
                and (valid_created_at is null or parsed_resolved_at >= valid_created_at)
                then parsed_resolved_at
        end as valid_resolved_at,
        -- updated_at decides which copy of a ticket is kept, so a placeholder or a time after
        -- the load (the export cannot know the future; a day allowed for clock skew) would pin
        -- a stale copy for good: such values are invalid.
        case
            when
                parsed_updated_at >= timestamp '2000-01-01'
                and parsed_updated_at < timestamp '2100-01-01'
                and parsed_updated_at <= _loaded_at + interval 1 day
                and (valid_created_at is null or parsed_updated_at >= valid_created_at)
                then parsed_updated_at
        end as valid_updated_at
    from validated
),

flagged as (
    select
        *,
        {{ is_unusable('created_at', 'valid_created_at') }} as has_invalid_created_at,
        {{ is_unusable('first_response_at', 'valid_first_response_at') }}
            as has_invalid_first_response_at,
        {{ is_unusable('resolved_at', 'valid_resolved_at') }} as has_invalid_resolved_at,
        {{ is_unusable('updated_at', 'valid_updated_at') }} as has_invalid_updated_at,
        {{ is_unusable('status', 'parsed_status') }} as has_invalid_status,
        {{ is_unusable('channel', 'parsed_channel') }} as has_invalid_channel,
        {{ is_unusable('escalated', 'parsed_escalated') }} as has_invalid_escalated,
        {{ is_unusable('sla_breach', 'parsed_sla_breach') }} as has_invalid_sla_breach,
        {{ is_unusable('satisfaction_score', 'valid_satisfaction_score') }}
            as has_invalid_satisfaction_score,
        {{ is_unusable('reopened_count', 'valid_reopened_count') }} as has_invalid_reopened_count,
        {{ is_unusable('resolution_minutes', 'valid_resolution_minutes') }}
            as has_invalid_resolution_minutes,
        -- Exports often leave resolution_minutes empty although both timestamps are there:
        -- it is then derived from them (calendar minutes) and marked as derived.
        valid_resolution_minutes is null
        and valid_created_at is not null
        and valid_resolved_at is not null as is_resolution_derived
    from sequenced
),

final as (
    select
        ticket_id,
        customer_id,
        agent_id,
        valid_created_at as created_at,
        valid_first_response_at as first_response_at,
        valid_resolved_at as resolved_at,
        valid_updated_at as updated_at,
        parsed_status as status,
        priority_key,
        category_key,
        parsed_channel as channel,
        queue_key,
        product_line,
        subject,
        message,
        parsed_escalated as is_escalated,
        valid_satisfaction_score as satisfaction_score,
        parsed_sla_breach as is_sla_breach_reported,
        valid_reopened_count as reopened_count,
        case
            when is_resolution_derived
                then {{ minutes_between('valid_created_at', 'valid_resolved_at') }}
            else valid_resolution_minutes
        end as resolution_minutes,
        is_resolution_derived,
        {{ minutes_between('valid_created_at', 'valid_first_response_at') }}
            as first_response_minutes,
        has_invalid_created_at,
        has_invalid_first_response_at,
        has_invalid_resolved_at,
        has_invalid_updated_at,
        has_invalid_status,
        has_invalid_channel,
        has_invalid_escalated,
        has_invalid_sla_breach,
        has_invalid_satisfaction_score,
        has_invalid_reopened_count,
        has_invalid_resolution_minutes,
        (
            has_invalid_created_at
            or has_invalid_first_response_at
            or has_invalid_resolved_at
            or has_invalid_updated_at
            or has_invalid_status
            or has_invalid_channel
            or has_invalid_escalated
            or has_invalid_sla_breach
            or has_invalid_satisfaction_score
            or has_invalid_reopened_count
            or has_invalid_resolution_minutes
        ) as has_invalid_value,
        -- The ingest gives each row of a file without ticket ids one made of the file's hash
        -- and line (supportlake/ingest/values.py); only those ids have this exact shape.
        coalesce(
            starts_with(ticket_id, 'tickets-')
            and regexp_full_match(ticket_id, 'tickets-[0-9a-f]{12}-[0-9]+'),
            false
        ) as is_ticket_id_generated,
        ticket_id is null or customer_id is null as has_missing_keys,
        valid_resolution_minutes is null and not is_resolution_derived as has_missing_resolution,
        _load_id,
        _source_file,
        _row_number,
        _loaded_at
    from flagged
)

select * from final
