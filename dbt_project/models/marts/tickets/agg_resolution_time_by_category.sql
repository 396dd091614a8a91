with

tickets as (
    select * from {{ ref('tickets') }}
),

by_category as (
    -- Tickets without a usable resolution time are counted but left out of the averages.
    select
        coalesce(category, 'Unknown') as category,
        count(*) as ticket_count,
        count(resolution_minutes) as timed_ticket_count,
        {{ count_true('has_missing_resolution') }} as missing_resolution_count,
        avg(resolution_minutes) as mean_resolution_minutes,
        {{ percentile('resolution_minutes', 0.5) }} as median_resolution_minutes,
        {{ percentile('resolution_minutes', 0.9) }} as p90_resolution_minutes,
        avg(business_resolution_minutes) as mean_business_resolution_minutes,
        {{ percentile('business_resolution_minutes', 0.5) }} as median_business_resolution_minutes
    from tickets
    group by coalesce(category, 'Unknown')
),

final as (
    select
        cast(category as varchar) as category,
        cast(ticket_count as bigint) as ticket_count,
        cast(timed_ticket_count as bigint) as timed_ticket_count,
        cast(missing_resolution_count as bigint) as missing_resolution_count,
        cast(mean_resolution_minutes as double) as mean_resolution_minutes,
        cast(median_resolution_minutes as double) as median_resolution_minutes,
        cast(p90_resolution_minutes as double) as p90_resolution_minutes,
        cast(mean_business_resolution_minutes as double) as mean_business_resolution_minutes,
        cast(
            median_business_resolution_minutes as double
        ) as median_business_resolution_minutes
    from by_category
)

select * from final
