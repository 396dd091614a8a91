with

tickets as (
    select * from {{ ref('tickets') }}
),

by_category as (
    -- Reopen rate: share of resolved tickets reopened at least once (unknown counts left out).
    select
        coalesce(category, 'Unknown') as category,
        {{ count_true('is_resolved') }} as resolved_ticket_count,
        {{ count_true('is_resolved and is_reopened') }} as reopened_ticket_count,
        {{ share_true('(case when is_resolved then is_reopened end)') }} as reopen_rate,
        avg(case when is_resolved then reopened_count end) as mean_reopened_count
    from tickets
    group by coalesce(category, 'Unknown')
),

final as (
    select
        cast(category as varchar) as category,
        cast(resolved_ticket_count as bigint) as resolved_ticket_count,
        cast(reopened_ticket_count as bigint) as reopened_ticket_count,
        cast(reopen_rate as double) as reopen_rate,
        cast(mean_reopened_count as double) as mean_reopened_count
    from by_category
)

select * from final
