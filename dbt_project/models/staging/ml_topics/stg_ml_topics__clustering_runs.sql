with

source as (
    {{ optional_source('ml_topics', 'clustering_runs', {
        'clustering_run_id': 'varchar',
        'fitted_at': 'timestamp',
        'embedding_model': 'varchar',
        'cluster_count': 'integer',
        'clustered_texts': 'bigint',
        'clustered_tickets': 'bigint',
        'epochs': 'integer',
        'minibatch_size': 'integer',
        'inertia': 'double',
        'adjusted_rand_index': 'double',
        'normalized_mutual_info': 'double',
        'labelled_tickets': 'bigint',
        'seconds': 'double'
    }) }}
),

renamed as (
    select
        clustering_run_id,
        fitted_at,
        embedding_model,
        cluster_count,
        clustered_texts,
        clustered_tickets,
        epochs,
        minibatch_size,
        inertia,
        adjusted_rand_index,
        normalized_mutual_info,
        labelled_tickets,
        seconds as fit_seconds
    from source
)

select * from renamed
