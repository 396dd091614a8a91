{#- Which raw row of a ticket wins: the latest load, then the later file name (re-exports are
    named after the export they replace), then the later line in the file. `relation` is the
    alias the lineage columns are read from. -#}
{% macro ticket_recency_order(relation) -%}
    {{ relation }}._loaded_at desc, {{ relation }}._source_file desc, {{ relation }}._row_number desc
{%- endmacro %}
