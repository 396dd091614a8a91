with

periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where field = 'status'
)

select
    cast(ticket_id as varchar) as ticket_id,
    cast(period_number as bigint) as period_number,
    cast(field_value as varchar) as status,
    cast(previous_field_value as varchar) as previous_status,
    cast(valid_from as timestamp) as valid_from,
    cast(valid_until as timestamp) as valid_until,
    cast(is_current as boolean) as is_current,
    cast(calendar_minutes as double) as calendar_minutes,
    cast(business_minutes as double) as business_minutes
from periods
