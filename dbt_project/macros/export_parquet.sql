{#- Post-hook of the public marts: write the freshly built table to
    <export_root>/<model>.parquet for BI tools that read files. The mart stays a table, so its
    contract is still enforced; supportlake.transform creates the folder before dbt runs. -#}
{% macro export_parquet() -%}
    copy (select * from {{ this }}) to '{{ var("export_root") }}/{{ this.identifier }}.parquet' (format parquet)
{%- endmacro %}
