"""Topics flow: embed new ticket texts -> cluster and assign -> dbt build of the topic marts.

Each step opens the warehouse itself and closes it before the next one (one writer); the
dbt build selects only what depends on the `ml_topics` source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.runner import run_logger, run_task
from ml.article_index import build_article_index
from ml.embedding_backends import embedding_model_for, load_encoder
from ml.embeddings import EmbedSummary, embed_tickets
from ml.resolved_index import NothingToSearch, build_resolved_index
from ml.topics import (
    DATABASE_MEMORY,
    DEFAULT_CLUSTERS,
    ClusteringResult,
    add_cluster_mixes,
    cluster_tickets,
)
from supportlake.console import progress_bar
from supportlake.serving import open_serving, serving_path
from supportlake.settings import Settings, get_settings
from supportlake.warehouse import open_warehouse


@dataclass
class TopicsResult:
    embedding: EmbedSummary
    clustering: ClusteringResult
    dbt: str
    steps: dict[str, str] = field(default_factory=dict)  # step -> one-line outcome


@task(cache_policy=NO_CACHE)
def embed_new_texts(settings: Settings, backend: str) -> EmbedSummary:
    with open_warehouse(settings) as connection, progress_bar() as progress:
        return embed_tickets(
            connection, backend=backend, models_dir=settings.models_dir, progress=progress
        )


@task(cache_policy=NO_CACHE)
def cluster_and_assign(
    settings: Settings, embedding_model: str, n_clusters: int, refit: bool
) -> ClusteringResult:
    clustering = settings.model_copy(update={"duckdb_memory_limit": DATABASE_MEMORY})
    with open_warehouse(clustering) as connection:
        return cluster_tickets(
            connection,
            embedding_model=embedding_model,
            models_dir=settings.models_dir,
            reports_dir=settings.reports,
            n_clusters=n_clusters,
            refit=refit,
        )


# What reads the topic tables, plus the parents the ticket graph and the knowledge-gap
# detector have besides them (graph edges, knowledge base, feedback: cheap, and missing in a
# warehouse built before they existed); the ticket marts themselves are never rebuilt here.
# The topic seeds are reloaded every run: the team's label and merge edits
# (seeds/topic_labels.csv) apply at the next refresh.
TOPIC_MARTS = [
    "build",
    "--select",
    "source:ml_topics+",
    "topic_labels",
    "topic_stop_words",
    "+graph_edges",
    "+graph_topic_articles",
    "+ticket_anomalies",
    "--exclude",
    "+tickets",
    # their not-null tests need the raw tables, which exist only once anything was ingested
    "source:knowledge_base",
    "source:recommendation_feedback",
    "source:recommendation_answers",
    # tests of models outside this selection (knowledge-base chunks) wait for `build`
    "--indirect-selection",
    "cautious",
    # dbt's unit tests are CI's (make test), as in every production build
    "--exclude-resource-type",
    "unit_test",
]


@task(retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def build_topic_marts(settings: Settings) -> str:
    from supportlake.transform import run_dbt

    return run_dbt(TOPIC_MARTS, settings).summary()


@task(cache_policy=NO_CACHE)
def build_retrieval_indexes(settings: Settings, backend: str = "auto") -> str:
    """Build what `recommend` searches from the serving copy: the knowledge-base sections
    (their vectors land in the models folder's cache, so the first recommend encodes
    nothing) and the resolved tickets with their stored embeddings."""
    encoder = load_encoder(backend, settings.models_dir)
    with open_serving(settings) as connection:
        articles = build_article_index(connection, encoder, settings)
        if articles.index is not None:
            articles.index.close()
        try:
            resolved = build_resolved_index(
                connection, encoder.embedding_model, settings, serving_path(settings)
            )
        except NothingToSearch as nothing:
            return f"{len(articles.chunks)} article sections; no resolved tickets: {nothing}"
    resolved.index.close()
    return (
        f"{len(articles.chunks)} article sections ({articles.encoded_now} encoded now), "
        f"{len(resolved.tickets)} resolved tickets indexed"
    )


def catalog_line(connection) -> str:
    """How the team's seeds/topic_labels.csv applied, from marts.topic_catalog."""
    topics, labelled, merged = connection.execute(
        "select count(*), count(user_label), coalesce(sum(merged_cluster_count), 0) "
        "from marts.topic_catalog"
    ).fetchone()
    return (
        f"{topics} topics, {labelled} labelled and {merged} clusters merged by the team "
        "(seeds/topic_labels.csv; marts.topic_catalog)"
    )


@flow
def refresh_topics(
    backend: str = "auto", n_clusters: int = DEFAULT_CLUSTERS, refit: bool = True
) -> TopicsResult:
    """Embed what is new, re-cluster, and rebuild the marts that read the topic tables."""
    settings = get_settings()
    logger = run_logger()
    embedding = run_task(embed_new_texts, settings, backend)
    logger.info("embed: %s", embedding.line())
    clustering = run_task(
        cluster_and_assign, settings, embedding_model_for(embedding.backend), n_clusters, refit
    )
    logger.info("cluster: %s", clustering.line())
    dbt = run_task(build_topic_marts, settings)
    logger.info("dbt: %s", dbt)
    with open_warehouse(settings) as connection:  # the mixes are dbt's: read them back
        add_cluster_mixes(clustering, connection)
        catalog = catalog_line(connection)
    logger.info("topics: %s", catalog)
    return TopicsResult(
        embedding=embedding,
        clustering=clustering,
        dbt=dbt,
        steps={
            "embed": embedding.line(),
            "cluster": clustering.line(),
            "dbt": dbt,
            "topics": catalog,
        },
    )


if __name__ == "__main__":
    print(refresh_topics().steps)
