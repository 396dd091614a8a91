-- Business minutes can never exceed the calendar minutes that elapsed between the same two
-- timestamps: a failing row means the business-hours odometer is wrong.
with

tickets as (
    select * from {{ ref('tickets') }}
),

elapsed as (
    select
        ticket_id,
        business_first_response_minutes,
        business_resolution_minutes,
        {{ minutes_between('created_at', 'first_response_at') }} as elapsed_response_minutes,
        {{ minutes_between('created_at', 'resolved_at') }} as elapsed_resolution_minutes
    from tickets
)

select *
from elapsed
where
    business_first_response_minutes > elapsed_response_minutes + 0.001
    or business_resolution_minutes > elapsed_resolution_minutes + 0.001
