with

replies as (
    select * from {{ ref('int_ticket_reply_times') }}
)

select
    cast(ticket_id as varchar) as ticket_id,
    cast(reply_number as bigint) as reply_number,
    cast(is_first_reply as boolean) as is_first_reply,
    cast(waiting_since as timestamp) as waiting_since,
    cast(reply_clock_started_at as timestamp) as reply_clock_started_at,
    cast(replied_at as timestamp) as replied_at,
    cast(reply_calendar_minutes as double) as reply_calendar_minutes,
    cast(reply_business_minutes as double) as reply_business_minutes
from replies
