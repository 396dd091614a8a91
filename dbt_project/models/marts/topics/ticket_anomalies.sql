{#- Every anomaly detector (models/intermediate/anomalies/int_anomalies_*), one row per
    anomaly with the same columns (unioned by name, so their order does not matter): a new
    detector is one more model and one more name in this list. -#}
{%- set detectors = [
    'int_anomalies_volume_spikes',
    'int_anomalies_cluster_growth',
    'int_anomalies_sentiment_shifts',
    'int_anomalies_knowledge_gaps',
] -%}

with

unioned as (
    {%- for detector in detectors %}
        select * from {{ ref(detector) }}
        {%- if not loop.last %}
            union all by name
        {%- endif %}
    {%- endfor %}
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
