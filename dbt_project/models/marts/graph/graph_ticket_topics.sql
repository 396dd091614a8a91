{#- The topic ("issue") of each clustered ticket, from the latest `supportlake topics` run;
    empty until topics were fitted. -#}
with

clusters as (
    select * from {{ ref('stg_ml_topics__ticket_clusters') }}
),

descriptions as (
    select * from {{ ref('stg_ml_topics__cluster_descriptions') }}
),

tickets as (
    select ticket_id from {{ ref('tickets') }}
)

select
    cast(clusters.ticket_id as varchar) as ticket_id,
    cast(clusters.cluster_id as integer) as cluster_id,
    cast(descriptions.cluster_label as varchar) as cluster_label,
    cast(clusters.distance_to_centroid as double) as distance_to_centroid,
    cast(clusters.clustering_run_id as varchar) as clustering_run_id
from clusters
inner join tickets on clusters.ticket_id = tickets.ticket_id
left join descriptions on clusters.cluster_id = descriptions.cluster_id
