{#- The newest value of a timestamp column an incremental model holds, as a literal read when
    the model is compiled (like newest_loaded_at in macros/incremental.sql); a time before
    every load when the model is empty, or when its table lacks the column (built by an
    older version: on_schema_change: fail stops the build, which then rebuilds it once). -#}
{% macro newest_timestamp_in(relation, column) -%}
    {%- set newest = none -%}
    {%- if execute and is_incremental() -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
        {%- if column in columns | map('lower') | list -%}
            {%- set answer = run_query('select max(' ~ column ~ ') from ' ~ relation) -%}
            {%- set newest = answer.columns[0].values()[0] -%}
        {%- endif -%}
    {%- endif -%}
    cast('{{ newest if newest is not none else "0001-01-01 00:00:00" }}' as timestamp)
{%- endmacro %}


{#- The tickets an incremental ticket-history model computes again: those whose events or
    ticket row arrived in a load newer than any it holds (int_ticket_events_conformed's
    _changed_at: the newest load that touched the ticket), every one of their rows. -#}
{% macro history_tickets_changed() -%}
    select distinct ticket_id from {{ ref('int_ticket_events_conformed') }}
    where _changed_at > {{ newest_timestamp_in(this, '_changed_at') }}
{%- endmacro %}


{#- The tickets whose numbers run up to the newest event in the warehouse, which every new
    event moves: not solved or closed (a running status, SLA or age clock), or unassigned and
    never solved (the unassigned time). int_ticket_event_metrics is up to date when a mart
    reads it; in a warehouse that keeps its tickets solved, this is the backlog. -#}
{% macro history_tickets_with_running_clocks() -%}
    select ticket_id from {{ ref('int_ticket_event_metrics') }}
    where
        coalesce(current_status, '') not in ('Resolved', 'Closed')
        or (current_unassigned_calendar_minutes is not null and first_solved_at is null)
{%- endmacro %}


{#- What an incremental ticket-history mart computes again: the tickets whose events or ticket
    row changed since its newest _changed_at, and those with a running clock. Every other
    ticket's rows depend on nothing a new load can change. -#}
{% macro history_mart_tickets_to_refresh() -%}
    {{ history_tickets_changed() }}
    union
    {{ history_tickets_with_running_clocks() }}
{%- endmacro %}


{#- A status bucket with the ticket's current period measured up to the newest event instead
    of up to the ticket's own newest event, when the current status is one of `statuses`. -#}
{% macro current_period_swapped(column, statuses, basis='calendar') -%}
    case
        when metrics.current_status in {{ statuses }}
            then
                metrics.{{ column }}
                - metrics.current_status_{{ basis }}_minutes
                + current_status.{{ basis }}_minutes
        else metrics.{{ column }}
    end
{%- endmacro %}


{#- ticket_event_metrics' tickets to write again: the history's, and the tickets of the ticket
    export loaded since its newest _loaded_at (a new ticket without events gets its row). -#}
{% macro event_metrics_to_refresh() -%}
    {{ history_mart_tickets_to_refresh() }}
    union
    {{ tickets_replaced_since(newest_loaded_at(this)) }}
{%- endmacro %}
