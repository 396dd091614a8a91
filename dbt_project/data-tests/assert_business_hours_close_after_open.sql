-- A queue day that closes before it opens would give negative business minutes.
select *
from {{ ref('business_hours') }}
where {{ clock_to_minutes('closes_at') }} <= {{ clock_to_minutes('opens_at') }}
