{#- The newest _loaded_at an incremental model holds, as a timestamp literal (read when the
    model is compiled, so the filter it goes into can skip old row groups); a timestamp before
    every load when the model is empty, or when its table has no _loaded_at (built before the
    model was incremental: on_schema_change: fail stops it, and `supportlake build` then
    rebuilds with --full-refresh, once: supportlake/build_runner.py). -#}
{% macro newest_loaded_at(relation) -%}
    {%- set newest = none -%}
    {%- if execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') -%}
        {%- if '_loaded_at' in columns | map('lower') | list -%}
            {%- set answer = run_query('select max(_loaded_at) from ' ~ relation) -%}
            {%- set newest = answer.columns[0].values()[0] -%}
        {%- endif -%}
    {%- endif -%}
    cast('{{ newest if newest is not none else "0001-01-01 00:00:00" }}' as timestamp)
{%- endmacro %}

{#- The tickets whose row in marts.tickets was replaced since `since` (a newest_loaded_at
    literal): a ticket's row carries the load of its winning copy, so a later load that
    changed it moved its _loaded_at past every earlier build. A later load with only an older
    copy changes duplicate_count alone, which the graph marts do not carry. -#}
{% macro tickets_replaced_since(since) -%}
    select ticket_id from {{ ref('tickets') }} where _loaded_at > {{ since }}
{%- endmacro %}

{#- Delete the rows the incremental build is about to write again (`condition` over the
    model's own columns), before its new rows are appended: a pre-hook, so a row whose ticket
    left the model (no longer resolved, a product removed, a cell emptied) goes too, which a
    delete+insert on the new rows' keys would keep. Nothing to do in a full build. -#}
{% macro delete_before_append(condition) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ condition }}
    {%- endif -%}
{%- endmacro %}

{#- The cells of agg_ticket_measures_daily (created_date x agent_id x category x priority x
    channel x queue) to compute again, from marts.tickets (already up to date) and the cells
    the model holds (`this`): the cells of every ticket with a staging row loaded after
    `since` (a new or moved ticket, or a duplicate count that changed), and the cells whose
    ticket count differs from the one held (a ticket left them). A cell that gained a ticket
    is in the first set, one that only lost tickets in the second: no other cell changed.
    Only the new loads' staging rows are read; the count is one group-by of the mart. -#}
{% macro ticket_cells_touched_since(since) -%}
    with

    keyed as (
        select
            ticket_id,
            created_date,
            agent_id,
            coalesce(category, 'Unknown') as category,
            coalesce(priority, 'Unknown') as priority,
            coalesce(channel, 'Unknown') as channel,
            coalesce(queue, 'Unknown') as queue
        from {{ ref('tickets') }}
    ),

    loaded_since as (
        select distinct created_date, agent_id, category, priority, channel, queue
        from keyed
        where ticket_id in (
            select loaded.ticket_id from {{ ref('stg_helpdesk__tickets') }} as loaded
            where loaded._loaded_at > {{ since }}
        )
    ),

    counted as (
        select
            created_date, agent_id, category, priority, channel, queue,
            count(*) as ticket_count
        from keyed
        group by all
    ),

    recounted as (
        select
            coalesce(counted.created_date, held.created_date) as created_date,
            coalesce(counted.agent_id, held.agent_id) as agent_id,
            coalesce(counted.category, held.category) as category,
            coalesce(counted.priority, held.priority) as priority,
            coalesce(counted.channel, held.channel) as channel,
            coalesce(counted.queue, held.queue) as queue
        from counted
        full outer join {{ this }} as held on {{ in_ticket_cell('held', 'counted') }}
        where counted.ticket_count is distinct from held.ticket_count
    )

    select * from loaded_since
    union
    select * from recounted
{%- endmacro %}

{#- True for a row of `relation` (an alias) in one of the `cells` (an alias): equal keys, a
    missing date or agent equal to a missing one. -#}
{% macro in_ticket_cell(relation, cells) -%}
    {{ relation }}.created_date is not distinct from {{ cells }}.created_date
    and {{ relation }}.agent_id is not distinct from {{ cells }}.agent_id
    and {{ relation }}.category = {{ cells }}.category
    and {{ relation }}.priority = {{ cells }}.priority
    and {{ relation }}.channel = {{ cells }}.channel
    and {{ relation }}.queue = {{ cells }}.queue
{%- endmacro %}

{#- agg_ticket_measures_daily's pre-hook: the cells its incremental build writes again. -#}
{% macro delete_touched_ticket_cells() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as cells
        using ({{ ticket_cells_touched_since(newest_loaded_at(this)) }}) as touched
        where {{ in_ticket_cell('cells', 'touched') }}
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a per-ticket mart built incrementally from marts.tickets: delete the rows of
    the tickets replaced since its newest load (`key` names the ticket id column), and any
    row `also` names, before they are appended again. -#}
{% macro delete_replaced_tickets(key='ticket_id', also=none) -%}
    {%- if is_incremental() -%}
        {{ delete_before_append(
            key ~ " in (" ~ tickets_replaced_since(newest_loaded_at(this)) ~ ")"
            ~ (" or " ~ also if also else "")
        ) }}
    {%- endif -%}
{%- endmacro %}
