{#- Post-hook of the public marts: write the freshly built table to
    <export_root>/<model>.parquet for BI tools that read files. The mart stays a table, so its
    contract is still enforced; supportlake.transform creates the folder before dbt runs.
    A mart whose only readers have their own file (the chat contract views, written as CSV by
    `supportlake export chats`) opts out with meta export_parquet: false. -#}
{% macro export_parquet() -%}
    {#- the node's meta is known when the hook runs (execute), not while dbt parses -#}
    {%- set meta = (model.config.meta if execute else none) or {} -%}
    {%- if meta.get('export_parquet', true) -%}
        copy (select * from {{ this }}) to '{{ var("export_root") }}/{{ this.identifier }}.parquet' (format parquet)
    {%- endif -%}
{%- endmacro %}
