{#- The structured_info keys the chat marts read, with their JSON type. A key maps onto the
    export column of the same name with underscores for spaces (trip_type -> "trip type").
    Keys not listed here are kept as structured_info_extra_keys, never dropped silently. -#}
{% macro chat_structured_info_keys() -%}
    {{ return({
        'actions': ['VARCHAR'],
        'locations': ['VARCHAR'],
        'pois': ['VARCHAR'],
        'provinces': ['VARCHAR'],
        'countries': ['VARCHAR'],
        'cities': ['VARCHAR'],
        'regions': ['VARCHAR'],
        'section_type': ['VARCHAR'],
        'trip_type': ['VARCHAR'],
        'email_types': ['VARCHAR'],
        'categories': ['VARCHAR'],
        'themes': ['VARCHAR'],
        'first_name': 'VARCHAR',
        'last_name': 'VARCHAR',
        'name': 'VARCHAR',
        'email': 'VARCHAR',
        'phone_number': 'VARCHAR',
        'suborganization': 'VARCHAR',
        'starting_domain': 'VARCHAR',
        'most_relevant_trip_name': 'VARCHAR',
        'most_relevant_brand_name': 'VARCHAR',
        'recommendations_cta_url': 'VARCHAR',
        'intent_type': 'VARCHAR',
        'current_brands': 'VARCHAR',
    }) }}
{%- endmacro %}


{#- Parses a structured_info text into a struct of the known keys (null unless it is a JSON
    object). json_transform is lenient: a key of the wrong JSON type reads as null. -#}
{% macro chat_parse_structured_info(column) -%}
    {#- nested tests: a CASE branch runs only on its rows, an AND would run json_type on
        text that is not JSON and fail -#}
    case
        when not json_valid({{ column }}) then null
        when json_type({{ column }}) = 'OBJECT'
            then json_transform({{ column }}, '{{ tojson(chat_structured_info_keys()) }}')
    end
{%- endmacro %}


{#- The staging column of each known key: the key itself, except "name", which is full_name
    (a bare name column would read as the chat's name). -#}
{% macro chat_structured_info_column_names() -%}
    {%- set names = [] -%}
    {%- for key in chat_structured_info_keys() -%}
        {%- do names.append('full_name' if key == 'name' else key) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}


{#- One column per known key of a parsed structured_info struct. -#}
{% macro chat_structured_info_columns(struct_column) -%}
    {%- set names = chat_structured_info_column_names() -%}
    {%- for key in chat_structured_info_keys() %}
        {{ struct_column }}['{{ key }}'] as {{ names[loop.index0] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- The keys of a structured_info object: all of them (null unless it is a JSON object), and
    those chat_structured_info_keys() does not know, from such a list. -#}
{% macro chat_structured_info_all_keys(column) -%}
    case
        when not json_valid({{ column }}) then null
        when json_type({{ column }}) = 'OBJECT' then json_keys({{ column }})
    end
{%- endmacro %}


{% macro chat_structured_info_extra_keys(keys_column) -%}
    list_filter(
        {{ keys_column }},
        lambda structured_key: structured_key not in ('{{ chat_structured_info_keys() | join("', '") }}')
    )
{%- endmacro %}
