{#- Population stability index (PSI) of what the API served each day against the tickets the
    models learn from (marts.tickets): sum over buckets of (served - reference) * ln(served /
    reference), shares floored at psi_floor so an empty bucket does not divide by zero.
    Rule of thumb: below 0.1 stable, 0.1 to 0.25 moderate, above 0.25 major drift. -#}
{%- set psi_floor = var('psi_share_floor', 0.0001) -%}

with

tickets as (
    select * from {{ ref('tickets') }}
),

predictions as (
    select * from {{ ref('api_predictions') }}
),

inputs as (
    select
        'reference' as population,
        cast(null as date) as prediction_date,
        coalesce(length(subject), 0) + coalesce(length(message), 0) as text_chars,
        coalesce(channel, '(missing)') as channel,
        priority,
        category
    from tickets

    union all

    select
        'served' as population,
        prediction_date,
        text_chars,
        channel,
        predicted_priority as priority,
        predicted_category as category
    from predictions
    where status = 'ok' and prediction_date is not null
),

observations as (
    -- Text length in doubling buckets: ticket lengths are skewed, so equal widths would put
    -- nearly everything in the first bucket.
    select
        population,
        prediction_date,
        'text_length' as drift_feature,
        case
            when text_chars < 50 then '0000-0049'
            when text_chars < 100 then '0050-0099'
            when text_chars < 200 then '0100-0199'
            when text_chars < 400 then '0200-0399'
            when text_chars < 800 then '0400-0799'
            when text_chars < 1600 then '0800-1599'
            else '1600+'
        end as bucket
    from inputs

    union all

    select
        population,
        prediction_date,
        'channel' as drift_feature,
        channel as bucket
    from inputs

    union all

    select
        population,
        prediction_date,
        'predicted_priority' as drift_feature,
        priority as bucket
    from inputs
    where priority is not null

    union all

    select
        population,
        prediction_date,
        'predicted_category' as drift_feature,
        category as bucket
    from inputs
    where category is not null
),

shares as (
    select
        population,
        prediction_date,
        drift_feature,
        bucket,
        count(*) as observations,
        cast(count(*) as double) / sum(count(*)) over (
            partition by population, prediction_date, drift_feature
        ) as share
    from observations
    group by population, prediction_date, drift_feature, bucket
),

reference as (
    select
        drift_feature,
        bucket,
        share
    from shares
    where population = 'reference'
),

served as (
    select
        prediction_date,
        drift_feature,
        bucket,
        observations,
        share
    from shares
    where population = 'served'
),

served_days as (
    select
        prediction_date,
        drift_feature,
        cast(sum(observations) as bigint) as predictions
    from served
    group by prediction_date, drift_feature
),

grid as (
    -- Every bucket either side has: one missing on one side still counts toward the index.
    select
        served_days.prediction_date,
        served_days.drift_feature,
        reference.bucket
    from served_days
    inner join reference on served_days.drift_feature = reference.drift_feature

    union

    select
        prediction_date,
        drift_feature,
        bucket
    from served
),

compared as (
    select
        grid.prediction_date,
        grid.drift_feature,
        grid.bucket,
        reference.share is not null as has_reference,
        greatest(coalesce(served.share, 0), {{ psi_floor }}) as served_share,
        greatest(coalesce(reference.share, 0), {{ psi_floor }}) as reference_share
    from grid
    left join served
        on
            grid.prediction_date = served.prediction_date
            and grid.drift_feature = served.drift_feature
            and grid.bucket = served.bucket
    left join reference
        on
            grid.drift_feature = reference.drift_feature
            and grid.bucket = reference.bucket
),

indexed as (
    select
        prediction_date,
        drift_feature,
        case
            when bool_or(has_reference)
                then sum((served_share - reference_share) * ln(served_share / reference_share))
        end as psi,
        count(*) as buckets
    from compared
    group by prediction_date, drift_feature
),

final as (
    select
        indexed.prediction_date,
        indexed.drift_feature,
        indexed.psi,
        case
            when indexed.psi is null then 'unknown'
            -- A handful of predictions swings the index by chance: no level, so no alarm.
            when served_days.predictions < {{ var('psi_min_predictions', 100) }} then 'small_sample'
            when indexed.psi < {{ var('psi_moderate', 0.1) }} then 'stable'
            when indexed.psi < {{ var('psi_major', 0.25) }} then 'moderate'
            else 'major'
        end as drift_level,
        served_days.predictions,
        indexed.buckets
    from indexed
    inner join served_days
        on
            indexed.prediction_date = served_days.prediction_date
            and indexed.drift_feature = served_days.drift_feature
)

select * from final
