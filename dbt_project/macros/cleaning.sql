{#- Row-level cleaning helpers for staging models: every one returns null instead of failing,
    so a bad cell is flagged downstream rather than stopping a load. -#}

{#- Blank -> null, padding trimmed. trim() only runs on values that start or end with a space
    (prefix/suffix tests are nearly free), which keeps ids cheap at 10M rows. -#}
{% macro clean_text(column) -%}
    case
        when {{ column }} like ' %' or {{ column }} like '% ' then nullif(trim({{ column }}), '')
        else nullif({{ column }}, '')
    end
{%- endmacro %}


{#- True when a raw cell holds something other than blanks: with `parsed` null, the value was
    there but unusable. Written as a CASE so trim() only runs on the rare unparsed cells. -#}
{% macro is_unusable(raw_column, parsed_column) -%}
    case
        when {{ parsed_column }} is not null or {{ raw_column }} is null then false
        else trim({{ raw_column }}) != ''
    end
{%- endmacro %}


{#- Several export formats, all read as UTC:
      ISO 8601 with a space or T, optional fraction and Z            (try_cast)
      an explicit offset such as +02:00 or -0500 -> converted to UTC  (timestamptz)
      US 03/15/2024 14:30[:00], 03/15/2024 02:30 PM, 2024/03/15 14:30[:00] (slashes)
      European 15.03.2024 14:30[:00] (dots); epoch seconds (9-10 digits).
    The offset branch comes first because a plain timestamp cast silently drops offsets; only
    strings longer than 'YYYY-MM-DD HH:MM:SSZ' can carry one, so most rows skip the regex.
    strptime is only tried on strings with the separator its formats need: a failing
    try_strptime is ~30x slower than a failing cast. -#}
{% macro parse_timestamp(column) -%}
    case
        when {{ column }} is null or {{ column }} = '' then null
        when strlen({{ column }}) > 20 and regexp_matches({{ column }}, '[+-][0-9]{2}:?[0-9]{2} *$')
            then timezone('UTC', try_cast({{ column }} as timestamptz))
        else coalesce(
            try_cast({{ column }} as timestamp),
            case
                when contains({{ column }}, '/')
                    then try_strptime(
                        trim({{ column }}),
                        [
                            '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %H:%M', '%m/%d/%Y %I:%M %p',
                            '%m/%d/%Y', '%Y/%m/%d %H:%M:%S', '%Y/%m/%d %H:%M'
                        ]
                    )
                when contains({{ column }}, '.')
                    then try_strptime(
                        trim({{ column }}), ['%d.%m.%Y %H:%M:%S', '%d.%m.%Y %H:%M', '%d.%m.%Y']
                    )
                when regexp_full_match(trim({{ column }}), '[0-9]{9,10}')
                    then timezone('UTC', to_timestamp(cast(trim({{ column }}) as bigint)))
            end
        )
    end
{%- endmacro %}


{#- Exports write booleans every way: true/false, yes/no, y/n, t/f, 1/0 (any case). A simple
    CASE (not IN lists, which DuckDB plans as joins) over a low-cardinality column. -#}
{% macro parse_boolean(column) -%}
    case lower(trim({{ column }}))
        when 'true' then true
        when 't' then true
        when 'yes' then true
        when 'y' then true
        when '1' then true
        when 'false' then false
        when 'f' then false
        when 'no' then false
        when 'n' then false
        when '0' then false
    end
{%- endmacro %}


{#- Lower-case matching key for a label: underscores and hyphens read as spaces and runs of
    up to four spaces collapse, so 'WEB_FORM', 'web-form' and ' Web  Form ' all become
    'web form'; blank -> null. Plain one-argument functions rather than a regex: on a
    dictionary-compressed column DuckDB then evaluates the chain once per distinct value
    instead of once per row (~10x faster on 10M tickets). -#}
{% macro label_key(column) -%}
    {#- translate() maps tab, LF, CR, '_' and '-' to spaces in one pass: trim() alone strips
        spaces only, and exports pad with tabs too ('\tSecurity'). -#}
    nullif(
        lower(trim(replace(replace(
            translate({{ column }}, chr(9) || chr(10) || chr(13) || '_-', '     '),
            '  ', ' '
        ), '  ', ' '))),
        ''
    )
{%- endmacro %}


{#- Title case of a label key: 'shipping delays' -> 'Shipping Delays'. DuckDB has no
    initcap, so each word is capitalised through a list lambda; that runs once per row, so
    apply it to distinct labels (see int_tickets_conformed), not to every ticket. -#}
{% macro title_case(column) -%}
    array_to_string(
        list_transform(
            string_split({{ column }}, ' '),
            lambda word: upper(left(word, 1)) || substr(word, 2)
        ),
        ' '
    )
{%- endmacro %}


{#- Minutes from one timestamp to a later one (fractional; null when either is null). -#}
{% macro minutes_between(start_column, end_column) -%}
    (date_diff('second', {{ start_column }}, {{ end_column }}) / 60.0)
{%- endmacro %}
