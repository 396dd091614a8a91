{#- Thresholds are project vars (dbt_project.yml, anomaly_*): one value for every detector,
    tunable per run with `--vars`. -#}
{%- set z_threshold = var('anomaly_z_threshold') -%}
{%- set min_tickets = var('anomaly_min_tickets') -%}
{%- set sentiment_baseline_days = var('anomaly_sentiment_baseline_days') -%}
{%- set sentiment_min_shift = var('anomaly_sentiment_min_shift') -%}
{%- set sentiment_min_baseline = var('anomaly_sentiment_min_baseline_tickets') -%}

with

daily as (
    select * from {{ ref('int_ticket_counts_densified') }}
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
)

select * from sentiment_shifts
