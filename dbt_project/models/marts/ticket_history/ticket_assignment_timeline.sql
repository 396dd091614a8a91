with

periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where field in ('assignee', 'group')
)

select
    cast(ticket_id as varchar) as ticket_id,
    cast(field as varchar) as assignment_field,
    cast(period_number as bigint) as period_number,
    cast(field_value as varchar) as assigned_to,
    cast(previous_field_value as varchar) as previously_assigned_to,
    cast(valid_from as timestamp) as valid_from,
    cast(valid_until as timestamp) as valid_until,
    cast(is_current as boolean) as is_current,
    cast(calendar_minutes as double) as calendar_minutes,
    cast(business_minutes as double) as business_minutes
from periods
