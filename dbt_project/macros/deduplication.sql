{#- Which raw row of a ticket wins: the latest updated_at (when the helpdesk last changed the
    ticket), so backfilling an older export after a newer one keeps the newer state; a row
    without a usable updated_at loses to one with it (it cannot show it is newer). Load order
    only breaks ties: the latest load, then the later file name (re-exports are named after
    the export they replace), then the later line in the file. `relation` is the alias the
    columns are read from. -#}
{% macro ticket_recency_order(relation) -%}
    {{ relation }}.updated_at desc nulls last,
    {{ relation }}._loaded_at desc,
    {{ relation }}._source_file desc,
    {{ relation }}._row_number desc
{%- endmacro %}
