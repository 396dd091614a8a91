with

source as (
    {{ optional_source('ml_topics', 'cluster_descriptions', {
        'clustering_run_id': 'varchar',
        'cluster_id': 'integer',
        'cluster_label': 'varchar',
        'top_terms': 'varchar[]',
        'example_ticket_ids': 'varchar[]'
    }) }}
),

renamed as (
    select
        clustering_run_id,
        cluster_id,
        cluster_label,
        top_terms,
        example_ticket_ids
    from source
)

select * from renamed
