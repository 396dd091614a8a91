{#- Incremental: a build appends the tickets replaced since its newest load (their old rows
    deleted first by the pre-hook, macros/incremental.sql). -#}
select
    cast(customer_id as varchar) as customer_id,
    cast(ticket_id as varchar) as ticket_id,
    cast(created_at as timestamp) as created_at,
    cast(_loaded_at as timestamp) as _loaded_at
from {{ ref('tickets') }}
where
    customer_id is not null
    {%- if is_incremental() %}
        and _loaded_at > {{ newest_loaded_at(this) }}
    {%- endif %}
