with

predictions as (
    select * from {{ ref('api_predictions') }}
),

requests as (
    -- A batch logs one row per ticket with the batch's latency: latency counts per request.
    select
        request_id,
        endpoint,
        min(prediction_date) as prediction_date,
        max(latency_ms) as latency_ms,
        bool_or(status = 'ok') as is_served
    from predictions
    where prediction_date is not null
    group by request_id, endpoint
),

latency as (
    select
        prediction_date,
        endpoint,
        {{ percentile('latency_ms', 0.5) }} as latency_p50_ms,
        {{ percentile('latency_ms', 0.95) }} as latency_p95_ms,
        {{ percentile('latency_ms', 0.99) }} as latency_p99_ms,
        max(latency_ms) as latency_max_ms
    from requests
    where is_served
    group by prediction_date, endpoint
),

volume as (
    select
        prediction_date,
        endpoint,
        count(distinct request_id) as requests,
        count(*) as tickets,
        {{ count_true("status = 'ok'") }} as served_tickets,
        {{ count_true("status = 'rejected'") }} as rejected_tickets,
        {{ count_true("status = 'error'") }} as failed_tickets,
        {{ count_true('is_escalated') }} as escalations
    from predictions
    where prediction_date is not null
    group by prediction_date, endpoint
),

final as (
    select
        volume.prediction_date,
        volume.endpoint,
        volume.requests,
        volume.tickets,
        volume.served_tickets,
        volume.rejected_tickets,
        volume.failed_tickets,
        cast(volume.failed_tickets as double) / volume.tickets as error_rate,
        cast(volume.rejected_tickets as double) / volume.tickets as rejection_rate,
        volume.escalations,
        latency.latency_p50_ms,
        latency.latency_p95_ms,
        latency.latency_p99_ms,
        latency.latency_max_ms
    from volume
    left join latency
        on
            volume.prediction_date = latency.prediction_date
            and volume.endpoint = latency.endpoint
)

select * from final
