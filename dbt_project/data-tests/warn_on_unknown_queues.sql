{{ config(severity='warn') }}

-- Queues (groups) that tickets name but seeds/queue_schedules.csv does not: their tickets are
-- measured on the General queue's schedule. One row per such queue; add it to the seed (or map
-- it onto one of yours in the export's mapping) to give it its own schedule.
select
    queue,
    count(*) as tickets
from {{ ref('tickets') }}
where has_unknown_queue
group by queue
