-- agg_support_kpis is a single-row table: dashboards read its one row without filtering.
select count(*) as row_count
from {{ ref('agg_support_kpis') }}
having count(*) != 1
