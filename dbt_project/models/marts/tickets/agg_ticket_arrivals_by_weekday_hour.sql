with

tickets as (
    select * from {{ ref('tickets') }}
),

arrivals as (
    select
        cast(extract(isodow from created_at) as integer) as iso_weekday,
        cast(extract(hour from created_at) as integer) as hour_of_day,
        count(*) as ticket_count
    from tickets
    where created_at is not null
    group by 1, 2
),

grid as (
    -- Every weekday x hour cell, so quiet hours show as 0 rather than missing.
    select
        weekdays.iso_weekday,
        hours.hour_of_day
    from range(1, 8) as weekdays (iso_weekday)
    cross join range(0, 24) as hours (hour_of_day)
),

matrix as (
    select
        grid.iso_weekday,
        grid.hour_of_day,
        coalesce(arrivals.ticket_count, 0) as ticket_count
    from grid
    left join arrivals
        on
            grid.iso_weekday = arrivals.iso_weekday
            and grid.hour_of_day = arrivals.hour_of_day
),

final as (
    select
        cast(iso_weekday as integer) as iso_weekday,
        cast(
            case iso_weekday
                when 1 then 'Monday'
                when 2 then 'Tuesday'
                when 3 then 'Wednesday'
                when 4 then 'Thursday'
                when 5 then 'Friday'
                when 6 then 'Saturday'
                when 7 then 'Sunday'
            end as varchar
        ) as weekday_name,
        cast(hour_of_day as integer) as hour_of_day,
        cast(ticket_count as bigint) as ticket_count,
        coalesce(
            cast(ticket_count as double) / nullif(sum(ticket_count) over (), 0), 0
        ) as share_of_tickets
    from matrix
)

select * from final
