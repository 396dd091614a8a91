with

tickets as (
    select * from {{ ref('tickets') }}
),

tracked as (
    -- The backlog follows tickets with a known creation date; each leaves it on its
    -- resolved_date. A ticket marked resolved without a resolution timestamp cannot be placed
    -- in time, so it is left out rather than counted as open forever.
    select
        created_date,
        resolved_date
    from tickets
    where
        created_date is not null
        and (resolved_date is not null or not is_resolved)
),

bounds as (
    select
        min(created_date) as first_date,
        max(coalesce(resolved_date, created_date)) as last_date
    from tracked
),

days as (
    select
        cast(
            unnest(
                generate_series(
                    cast(first_date as timestamp), cast(last_date as timestamp), interval 1 day
                )
            ) as date
        ) as activity_date
    from bounds
),

opened as (
    select
        created_date as activity_date,
        count(*) as opened_count
    from tracked
    group by created_date
),

resolved as (
    select
        resolved_date as activity_date,
        count(*) as resolved_count
    from tracked
    where resolved_date is not null
    group by resolved_date
),

daily as (
    select
        days.activity_date,
        coalesce(opened.opened_count, 0) as opened_count,
        coalesce(resolved.resolved_count, 0) as resolved_count
    from days
    left join opened on days.activity_date = opened.activity_date
    left join resolved on days.activity_date = resolved.activity_date
),

accumulated as (
    select
        activity_date,
        opened_count,
        resolved_count,
        sum(opened_count - resolved_count) over (
            order by activity_date rows between unbounded preceding and current row
        ) as open_at_end_of_day
    from daily
),

final as (
    select
        cast(activity_date as date) as activity_date,
        cast(opened_count as bigint) as opened_count,
        cast(resolved_count as bigint) as resolved_count,
        cast(open_at_end_of_day as bigint) as open_at_end_of_day
    from accumulated
)

select * from final
