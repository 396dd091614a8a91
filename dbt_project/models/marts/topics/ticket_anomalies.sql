{#- Thresholds are dbt vars so an operator can tune them per run (`--vars`). -#}
{%- set z_threshold = var('anomaly_z_threshold', 3.0) -%}
{%- set min_tickets = var('anomaly_min_tickets', 5) -%}
{%- set baseline_weeks = var('anomaly_baseline_weeks', 8) -%}
{%- set min_baseline_weeks = var('anomaly_min_baseline_weeks', 4) -%}
{%- set spike_min_ratio = var('anomaly_spike_min_ratio', 1.5) -%}
{%- set growth_ratio = var('anomaly_growth_ratio', 2.0) -%}
{%- set new_cluster_max_prior = var('anomaly_new_cluster_max_prior_tickets', 2) -%}
{%- set sentiment_baseline_days = var('anomaly_sentiment_baseline_days', 28) -%}
{%- set sentiment_min_shift = var('anomaly_sentiment_min_shift', 0.15) -%}
{%- set sentiment_min_baseline = var('anomaly_sentiment_min_baseline_tickets', 50) -%}

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
),

-- Sentiment shifts: the day's mean sentiment against the trailing days, tested as a mean
-- (standard error = baseline stddev / sqrt(tickets today)).
sentiment_windows as (
    select
        *,
        cast(sum(scored_ticket_count) over previous_days as bigint) as baseline_scored_count,
        sum(sentiment_sum) over previous_days as baseline_sentiment_sum,
        sum(sentiment_square_sum) over previous_days as baseline_square_sum
    from daily
    where series_type in ('all', 'category')
    window previous_days as (
        partition by series_type, series_value order by activity_date
        rows between {{ sentiment_baseline_days }} preceding and 1 preceding
    )
),

sentiment_means as (
    select
        *,
        sentiment_sum / scored_ticket_count as mean_sentiment,
        baseline_sentiment_sum / baseline_scored_count as baseline_mean_sentiment,
        sqrt(greatest(
            baseline_square_sum / baseline_scored_count
            - power(baseline_sentiment_sum / baseline_scored_count, 2),
            0
        )) as baseline_stddev
    from sentiment_windows
    where
        scored_ticket_count >= {{ min_tickets }}
        and baseline_scored_count >= {{ sentiment_min_baseline }}
),

sentiment_scored as (
    select
        *,
        (mean_sentiment - baseline_mean_sentiment)
        / (greatest(baseline_stddev, 0.05) / sqrt(scored_ticket_count)) as z_score
    from sentiment_means
),

sentiment_shifts as (
    select
        activity_date as anomaly_date,
        'sentiment_shift' as anomaly_type,
        series_type,
        series_value,
        series_label,
        mean_sentiment as observed_value,
        baseline_mean_sentiment as expected_value,
        z_score,
        cast(null as double) as ratio,
        scored_ticket_count as ticket_count,
        printf(
            '%s on %s read %s: mean sentiment %.2f over %d tickets, against %.2f '
            || 'in the previous %d days (z = %.1f).',
            series_description,
            strftime(activity_date, '%Y-%m-%d'),
            case when z_score < 0 then 'more negative' else 'more positive' end,
            mean_sentiment,
            scored_ticket_count,
            baseline_mean_sentiment,
            {{ sentiment_baseline_days }},
            z_score
        ) as explanation
    from sentiment_scored
    where
        abs(z_score) >= {{ z_threshold }}
        and abs(mean_sentiment - baseline_mean_sentiment) >= {{ sentiment_min_shift }}
),

unioned as (
    select * from volume_spikes
    union all
    select * from cluster_growth
    union all
    select * from sentiment_shifts
),

final as (
    select
        cast(md5(
            anomaly_type || '|' || series_type || '|' || series_value || '|' || anomaly_date
        ) as varchar) as anomaly_id,
        cast(anomaly_date as date) as anomaly_date,
        cast(anomaly_type as varchar) as anomaly_type,
        cast(series_type as varchar) as series_type,
        cast(series_value as varchar) as series_value,
        cast(series_label as varchar) as series_label,
        cast(observed_value as double) as observed_value,
        cast(expected_value as double) as expected_value,
        cast(z_score as double) as z_score,
        cast(ratio as double) as ratio,
        cast(ticket_count as bigint) as ticket_count,
        cast(explanation as varchar) as explanation
    from unioned
)

select * from final
