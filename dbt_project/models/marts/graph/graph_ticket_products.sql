select
    cast(ticket_id as varchar) as ticket_id,
    cast(product_line as varchar) as product_line,
    cast(created_at as timestamp) as created_at
from {{ ref('tickets') }}
where product_line is not null
