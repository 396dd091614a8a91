{#- JSON type of one element of conversation_log. created_at is not in the reference export but
    exports at scale carry it; without it the per-message time features stay null. -#}
{% macro chat_message_schema() -%}
    [{"id": "VARCHAR", "role": "VARCHAR", "type": "VARCHAR", "content": "VARCHAR", "disclaimer": "VARCHAR", "created_at": "VARCHAR"}]
{%- endmacro %}


{#- Where a conversation_log stands: parsed (a JSON array, possibly empty), missing (null,
    blank or the JSON literal null: the chat has no log), malformed (not JSON, e.g. truncated)
    or not_an_array (valid JSON of another type). Only parsed logs are unnested. The anchored
    regexes stop at the first character; json_type would parse the whole log again. -#}
{% macro chat_log_status(column) -%}
    case
        when {{ column }} is null or regexp_full_match({{ column }}, '\s*(null)?\s*')
            then 'missing'
        when not json_valid({{ column }}) then 'malformed'
        when not regexp_matches({{ column }}, '^\s*\[') then 'not_an_array'
        else 'parsed'
    end
{%- endmacro %}


{#- The contract allows two roles. Exports spell them in any case with padding, and some
    systems say bot/agent or customer/visitor; anything else is unknown (null) and flagged. -#}
{% macro chat_role(column) -%}
    case lower(trim({{ column }}))
        when 'assistant' then 'assistant'
        when 'bot' then 'assistant'
        when 'agent' then 'assistant'
        when 'user' then 'user'
        when 'customer' then 'user'
        when 'visitor' then 'user'
    end
{%- endmacro %}


{#- Masks e-mail addresses and phone numbers in message text while var chat_mask_pii is true
    (the default; `--vars '{chat_mask_pii: false}'` keeps the text as exported). Phone
    numbers: international (+31 6 1234 5678, 0032 ...), national starting with 0
    (06-12345678, 020 123 4567) and US style (555-123-4567); dates and plain ids stay as they
    are. The cheap digit/@ test skips both regexes for most messages. -#}
{% macro chat_mask_pii(column) -%}
    {%- if chat_mask_pii_enabled() -%}
        case
            when regexp_matches({{ column }}, '[@0-9]')
                then regexp_replace(
                    regexp_replace({{ column }}, '{{ chat_email_pattern() }}', '[email]', 'g'),
                    '{{ chat_phone_pattern() }}',
                    '[phone]',
                    'g'
                )
            else {{ column }}
        end
    {%- else -%}
        {{ column }}
    {%- endif -%}
{%- endmacro %}


{#- var chat_mask_pii: true (default) or false; "false" given on the command line counts too. -#}
{% macro chat_mask_pii_enabled() -%}
    {{ return(var('chat_mask_pii', true) | string | lower in ['true', '1', 'yes']) }}
{%- endmacro %}


{#- The patterns live in dbt_project.yml (vars pii_email_pattern, pii_phone_pattern): the API
    masks the text it returns with the same rule (supportlake/api/masking.py). -#}
{% macro chat_email_pattern() -%}
    {{ var('pii_email_pattern') }}
{%- endmacro %}


{% macro chat_phone_pattern() -%}
    {{ var('pii_phone_pattern') }}
{%- endmacro %}
