{{ config(materialized='table') }}

with

schedules as (
    select * from {{ ref('schedules') }}
),

shared_holidays as (
    select * from {{ ref('holidays') }}
),

schedule_holidays as (
    select * from {{ ref('schedule_holidays') }}
),

versions as (
    -- A schedule can change: each valid_from starts a version that lasts until the next one.
    select
        schedule,
        valid_from,
        lead(valid_from) over (partition by schedule order by valid_from) as valid_until
    from (
        select distinct
            schedule,
            valid_from
        from schedules
    ) as distinct_versions
),

days as (
    -- Local calendar days; times outside this span get no business minutes (null).
    select cast(spine.day_start as date) as local_date
    from range(
        cast('{{ var("business_calendar_start", "2015-01-01") }}' as timestamp),
        cast('{{ var("business_calendar_end", "2035-12-31") }}' as timestamp)
        + interval 1 day,
        interval 1 day
    ) as spine (day_start)
),

opening_days as (
    select
        schedules.schedule,
        schedules.time_zone,
        days.local_date,
        -- The local opening hours as wall-clock times of that day ('24:00' = next midnight).
        days.local_date + to_minutes({{ clock_to_minutes('schedules.opens_at') }})
            as local_opens_at,
        days.local_date + to_minutes({{ clock_to_minutes('schedules.closes_at') }})
            as local_closes_at
    from versions
    inner join days
        on
            versions.valid_from <= days.local_date
            and (versions.valid_until is null or versions.valid_until > days.local_date)
    inner join schedules
        on
            versions.schedule = schedules.schedule
            and versions.valid_from = schedules.valid_from
            and cast(extract(isodow from days.local_date) as integer) = schedules.iso_weekday
    left join shared_holidays
        on schedules.observes_holidays and days.local_date = shared_holidays.holiday_date
    left join schedule_holidays
        on
            schedules.schedule = schedule_holidays.schedule
            and days.local_date = schedule_holidays.holiday_date
    where shared_holidays.holiday_date is null and schedule_holidays.holiday_date is null
),

windows as (
    -- Local hours to UTC through DuckDB's time-zone database: a window on a daylight-saving
    -- day is as long as it really is (a 00:00-24:00 day lasts 23 or 25 hours).
    select
        schedule,
        local_date,
        timezone('UTC', timezone(time_zone, local_opens_at)) as window_start,
        timezone('UTC', timezone(time_zone, local_closes_at)) as window_end
    from opening_days
    where local_closes_at > local_opens_at
)

select
    schedule,
    local_date,
    window_start,
    window_end,
    {{ minutes_between('window_start', 'window_end') }} as window_minutes,
    -- The odometer at the window's start: business minutes of the schedule before it.
    coalesce(
        sum({{ minutes_between('window_start', 'window_end') }}) over (
            partition by schedule
            order by window_start
            rows between unbounded preceding and 1 preceding
        ),
        0
    ) as minutes_before
from windows
