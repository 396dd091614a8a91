{{ tickets_deduplicated(ref('int_tickets_conformed')) }}
