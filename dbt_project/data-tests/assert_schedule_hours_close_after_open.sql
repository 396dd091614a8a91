-- A schedule's day that closes before it opens would have no opening window (and so no
-- business minutes): a typo in seeds/schedules.csv, named here rather than lost.
select *
from {{ ref('schedules') }}
where {{ clock_to_minutes('closes_at') }} <= {{ clock_to_minutes('opens_at') }}
