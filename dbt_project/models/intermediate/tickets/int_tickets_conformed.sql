{{ tickets_conformed(ref('stg_helpdesk__tickets')) }}
