select
    cast(customer_id as varchar) as customer_id,
    cast(ticket_id as varchar) as ticket_id,
    cast(created_at as timestamp) as created_at
from {{ ref('tickets') }}
where customer_id is not null
