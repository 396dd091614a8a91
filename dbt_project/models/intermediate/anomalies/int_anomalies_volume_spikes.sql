{#- Thresholds are project vars (dbt_project.yml, anomaly_*): one value for every detector,
    tunable per run with `--vars`. -#}
{%- set z_threshold = var('anomaly_z_threshold') -%}
{%- set min_tickets = var('anomaly_min_tickets') -%}
{%- set baseline_weeks = var('anomaly_baseline_weeks') -%}
{%- set min_baseline_weeks = var('anomaly_min_baseline_weeks') -%}
{%- set spike_min_ratio = var('anomaly_spike_min_ratio') -%}

with

daily as (
    select * from {{ ref('int_ticket_counts_densified') }}
),

-- Volume spikes: today against the same weekday of the previous weeks (Mondays are busier
-- than Sundays, so a plain trailing mean would flag every Monday).
volume_baselines as (
    select
        *,
        avg(ticket_count) over same_weekday as baseline_ticket_count,
        stddev_samp(ticket_count) over same_weekday as baseline_stddev,
        count(*) over same_weekday as baseline_weeks
    from daily
    where series_type in ('category', 'cluster')
    window same_weekday as (
        partition by series_type, series_value, dayofweek(activity_date)
        order by activity_date
        rows between {{ baseline_weeks }} preceding and 1 preceding
    )
),

volume_scored as (
    select
        *,
        -- The Poisson floor sqrt(mean) keeps a flat baseline (stddev 0) from turning one
        -- extra ticket into an infinite z-score.
        (ticket_count - baseline_ticket_count) / greatest(
            coalesce(baseline_stddev, 0), sqrt(baseline_ticket_count), 1.0
        ) as z_score,
        ticket_count / nullif(baseline_ticket_count, 0) as ratio
    from volume_baselines
    where baseline_weeks >= {{ min_baseline_weeks }}
),

volume_spikes as (
    select
        activity_date as anomaly_date,
        'volume_spike' as anomaly_type,
        series_type,
        series_value,
        series_label,
        cast(ticket_count as double) as observed_value,
        baseline_ticket_count as expected_value,
        z_score,
        ratio,
        ticket_count,
        printf(
            '%s on %s: %d, against %s on the previous %d %ss (z = %.1f).',
            series_description,
            strftime(activity_date, '%Y-%m-%d'),
            ticket_count,
            case
                when baseline_ticket_count = 0 then 'none'
                else printf('a usual %.1f (%.1fx)', baseline_ticket_count, ratio)
            end,
            baseline_weeks,
            dayname(activity_date),
            z_score
        ) as explanation
    from volume_scored
    where
        z_score >= {{ z_threshold }}
        and ticket_count >= {{ min_tickets }}
        and coalesce(ratio >= {{ spike_min_ratio }}, true)
)

select * from volume_spikes
