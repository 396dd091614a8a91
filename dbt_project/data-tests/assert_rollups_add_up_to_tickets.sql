-- Every roll-up that partitions the tickets must add up to the tickets mart: a join that
-- drops or doubles rows in a roll-up shows up here.
with

tickets as (
    select
        count(*) as ticket_count,
        count(created_at) as dated_ticket_count
    from {{ ref('tickets') }}
),

rollups as (
    {%- set rollups = [
        ('agg_support_kpis', 'all'),
        ('agg_resolution_time_by_category', 'all'),
        ('agg_escalation_rate_by_category', 'all'),
        ('agg_first_response_time_by_priority', 'all'),
        ('agg_sla_compliance_by_priority_queue', 'all'),
        ('agg_ticket_volume_daily', 'dated'),
        ('agg_ticket_arrivals_by_weekday_hour', 'dated'),
    ] %}
    {%- for rollup, base in rollups %}
        select
            '{{ rollup }}' as rollup,
            '{{ base }}' as base,
            sum(ticket_count) as ticket_count
        from {{ ref(rollup) }}
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    rollups.rollup,
    rollups.ticket_count as rollup_ticket_count,
    tickets.ticket_count,
    tickets.dated_ticket_count
from rollups
cross join tickets
where
    (rollups.base = 'all' and rollups.ticket_count != tickets.ticket_count)
    or (rollups.base = 'dated' and rollups.ticket_count != tickets.dated_ticket_count)
