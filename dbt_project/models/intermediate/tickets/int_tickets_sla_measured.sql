{{ tickets_sla_measured(ref('int_tickets_deduplicated')) }}
