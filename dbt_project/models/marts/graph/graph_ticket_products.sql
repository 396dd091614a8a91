{#- Incremental: a build appends the tickets replaced since its newest load (their old rows
    deleted first by the pre-hook, macros/incremental.sql). -#}
select
    cast(ticket_id as varchar) as ticket_id,
    cast(product_line as varchar) as product_line,
    cast(created_at as timestamp) as created_at,
    cast(_loaded_at as timestamp) as _loaded_at
from {{ ref('tickets') }}
where
    product_line is not null
    {%- if is_incremental() %}
        and _loaded_at > {{ newest_loaded_at(this) }}
    {%- endif %}
