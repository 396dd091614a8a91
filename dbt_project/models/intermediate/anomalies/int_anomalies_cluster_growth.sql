{#- Thresholds are project vars (dbt_project.yml, anomaly_*): one value for every detector,
    tunable per run with `--vars`. -#}
{%- set z_threshold = var('anomaly_z_threshold') -%}
{%- set min_tickets = var('anomaly_min_tickets') -%}
{%- set growth_ratio = var('anomaly_growth_ratio') -%}
{%- set new_cluster_max_prior = var('anomaly_new_cluster_max_prior_tickets') -%}

with

daily as (
    select * from {{ ref('int_ticket_counts_densified') }}
),

-- New or fast-growing topic clusters: the last 7 days against the 28 days before them.
cluster_windows as (
    select
        *,
        cast(sum(ticket_count) over recent as bigint) as recent_ticket_count,
        cast(sum(ticket_count) over prior as bigint) as prior_ticket_count,
        count(*) over prior as prior_days
    from daily
    where series_type = 'cluster'
    window
        recent as (
            partition by series_value order by activity_date
            rows between 6 preceding and current row
        ),
        prior as (
            partition by series_value order by activity_date
            rows between 34 preceding and 7 preceding
        )
),

cluster_scored as (
    select
        *,
        prior_ticket_count / 4.0 as prior_weekly_ticket_count,
        (recent_ticket_count - prior_ticket_count / 4.0)
        / greatest(sqrt(prior_ticket_count / 4.0), 1.0) as z_score,
        recent_ticket_count / nullif(prior_ticket_count / 4.0, 0) as ratio
    from cluster_windows
    where prior_days = 28 and recent_ticket_count >= {{ min_tickets }}
),

cluster_classified as (
    select
        *,
        case
            when prior_ticket_count <= {{ new_cluster_max_prior }} then 'new_cluster'
            when
                ratio >= {{ growth_ratio }} and z_score >= {{ z_threshold }}
                then 'growing_cluster'
        end as growth_type
    from cluster_scored
),

cluster_changes as (
    select
        *,
        lag(growth_type) over (
            partition by series_value order by activity_date
        ) as previous_growth_type,
        lag(activity_date) over (
            partition by series_value order by activity_date
        ) as previous_activity_date
    from cluster_classified
),

cluster_growth as (
    select
        activity_date as anomaly_date,
        growth_type as anomaly_type,
        series_type,
        series_value,
        series_label,
        cast(recent_ticket_count as double) as observed_value,
        prior_weekly_ticket_count as expected_value,
        z_score,
        ratio,
        recent_ticket_count as ticket_count,
        case growth_type
            when 'new_cluster'
                then printf(
                    '%s is new: %d tickets in the 7 days to %s, %d in the 28 days before.',
                    series_description,
                    recent_ticket_count,
                    strftime(activity_date, '%Y-%m-%d'),
                    prior_ticket_count
                )
            else printf(
                '%s is growing fast: %d tickets in the 7 days to %s, '
                || '%.1fx its weekly %.1f of the 28 days before (z = %.1f).',
                series_description,
                recent_ticket_count,
                strftime(activity_date, '%Y-%m-%d'),
                ratio,
                prior_weekly_ticket_count,
                z_score
            )
        end as explanation
    from cluster_changes
    -- Report the first day of a streak only, not every day the condition still holds.
    where
        growth_type is not null
        and (
            previous_growth_type is distinct from growth_type
            or previous_activity_date != activity_date - 1
        )
)

select * from cluster_growth
