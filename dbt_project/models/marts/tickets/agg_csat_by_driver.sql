with

tickets as (
    select * from {{ ref('tickets') }}
),

rated as (
    select
        category,
        channel,
        agent_id,
        priority,
        satisfaction_score
    from tickets
    where satisfaction_score is not null
),

by_driver as (
    -- One long table instead of one per driver, so a BI tool filters on `driver`.
    select
        'category' as driver,
        coalesce(category, 'Unknown') as driver_value,
        count(*) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('satisfaction_score >= 4') }} as satisfied_rate
    from rated
    group by coalesce(category, 'Unknown')

    union all

    select
        'channel' as driver,
        coalesce(channel, 'Unknown') as driver_value,
        count(*) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('satisfaction_score >= 4') }} as satisfied_rate
    from rated
    group by coalesce(channel, 'Unknown')

    union all

    select
        'agent' as driver,
        coalesce(agent_id, 'Unknown') as driver_value,
        count(*) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('satisfaction_score >= 4') }} as satisfied_rate
    from rated
    group by coalesce(agent_id, 'Unknown')

    union all

    select
        'priority' as driver,
        coalesce(priority, 'Unknown') as driver_value,
        count(*) as rated_ticket_count,
        avg(satisfaction_score) as mean_satisfaction_score,
        {{ share_true('satisfaction_score >= 4') }} as satisfied_rate
    from rated
    group by coalesce(priority, 'Unknown')
),

final as (
    select
        cast(driver as varchar) as driver,
        cast(driver_value as varchar) as driver_value,
        cast(rated_ticket_count as bigint) as rated_ticket_count,
        cast(mean_satisfaction_score as double) as mean_satisfaction_score,
        cast(satisfied_rate as double) as satisfied_rate
    from by_driver
)

select * from final
