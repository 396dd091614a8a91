with

status_periods as (
    select * from {{ ref('int_ticket_periods_known') }}
    where field = 'status'
),

ticket_starts as (
    -- Status periods tile a ticket's life from its creation.
    select
        ticket_id,
        min(valid_from) as created_at
    from status_periods
    group by ticket_id
),

snapshot_days as (
    -- One snapshot per day, taken at the midnight that ends it, from the first ticket's day
    -- to the day of the newest status change.
    select
        cast(spine.day_start as date) as snapshot_date,
        spine.day_start + interval 1 day as snapshot_at
    from range(
        (select date_trunc('day', min(valid_from)) from status_periods),
        (select date_trunc('day', max(valid_from)) from status_periods) + interval 1 day,
        interval 1 day
    ) as spine (day_start)
),

open_at_snapshot as (
    select
        snapshot_days.snapshot_date,
        status_periods.ticket_id,
        status_periods.field_value as status,
        date_diff('second', ticket_starts.created_at, snapshot_days.snapshot_at) / 86400.0
            as age_days
    from snapshot_days
    inner join status_periods
        on
            snapshot_days.snapshot_at >= status_periods.valid_from
            and (
                status_periods.valid_until is null
                or snapshot_days.snapshot_at < status_periods.valid_until
            )
    inner join ticket_starts on status_periods.ticket_id = ticket_starts.ticket_id
    where coalesce(status_periods.field_value not in ('Resolved', 'Closed'), true)
),

bucketed as (
    select
        *,
        case
            when age_days < 1 then '0-1 days'
            when age_days < 3 then '1-3 days'
            when age_days < 7 then '3-7 days'
            when age_days < 30 then '7-30 days'
            else '30+ days'
        end as age_bucket
    from open_at_snapshot
)

select
    cast(snapshot_date as date) as snapshot_date,
    cast(status as varchar) as status,
    cast(age_bucket as varchar) as age_bucket,
    cast(count(*) as bigint) as ticket_count,
    cast(max(age_days) as double) as oldest_age_days
from bucketed
group by snapshot_date, status, age_bucket
