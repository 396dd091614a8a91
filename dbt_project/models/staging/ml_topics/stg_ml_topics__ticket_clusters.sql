with

source as (
    {{ optional_source('ml_topics', 'ticket_clusters', {
        'ticket_id': 'varchar',
        'cluster_id': 'integer',
        'distance_to_centroid': 'double',
        'clustering_run_id': 'varchar'
    }) }}
),

renamed as (
    select
        ticket_id,
        cluster_id,
        distance_to_centroid,
        clustering_run_id
    from source
)

select * from renamed
