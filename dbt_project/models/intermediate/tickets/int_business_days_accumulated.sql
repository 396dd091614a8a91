{{ config(materialized='table') }}

with

business_hours as (
    select * from {{ ref('business_hours') }}
),

holidays as (
    select * from {{ ref('holidays') }}
),

queues as (
    -- queue_number: a small integer key, so the ticket-side joins hash integers, not text.
    select
        queue,
        cast(row_number() over (order by queue) as integer) as queue_number
    from (select distinct queue from business_hours) as distinct_queues
),

days as (
    -- Timestamps outside this span get no business minutes (null), never a wrong number.
    select cast(spine.day_start as date) as calendar_date
    from range(
        cast('{{ var("business_calendar_start", "2015-01-01") }}' as timestamp),
        cast('{{ var("business_calendar_end", "2035-12-31") }}' as timestamp)
        + interval 1 day,
        interval 1 day
    ) as spine (day_start)
),

queue_days as (
    select
        queues.queue,
        queues.queue_number,
        days.calendar_date,
        cast(extract(isodow from days.calendar_date) as integer) as iso_weekday
    from queues
    cross join days
),

opening_hours as (
    -- A weekday without a business_hours row is closed; so is a holiday for a queue that
    -- observes holidays.
    select
        queue_days.queue,
        queue_days.queue_number,
        queue_days.calendar_date,
        queue_days.iso_weekday,
        holidays.holiday_name,
        coalesce(
            business_hours.queue is null
            or (business_hours.observes_holidays and holidays.holiday_date is not null),
            true
        ) as is_closed,
        coalesce({{ clock_to_minutes('business_hours.opens_at') }}, 0) as opens_minute,
        coalesce({{ clock_to_minutes('business_hours.closes_at') }}, 0) as closes_minute
    from queue_days
    left join business_hours
        on
            queue_days.queue = business_hours.queue
            and queue_days.iso_weekday = business_hours.iso_weekday
    left join holidays on queue_days.calendar_date = holidays.holiday_date
),

measured as (
    select
        queue,
        queue_number,
        calendar_date,
        iso_weekday,
        holiday_name,
        is_closed,
        case when is_closed then 0 else opens_minute end as opens_minute,
        case when is_closed then 0 else closes_minute - opens_minute end as business_minutes
    from opening_hours
),

accumulated as (
    -- business_minutes_before: the odometer reading at midnight starting this day.
    select
        *,
        cast(
            coalesce(
                sum(business_minutes) over (
                    partition by queue
                    order by calendar_date
                    rows between unbounded preceding and 1 preceding
                ),
                0
            ) as bigint
        ) as business_minutes_before
    from measured
)

select * from accumulated
