"""Topic clusters over ticket embeddings: MiniBatchKMeans fitted with partial_fit on a stream.

Embeddings are read as a stream of Arrow record batches and never all held at once, so memory
stays flat whatever the number of tickets. Results:
- ml.ticket_clusters: ticket_id -> cluster_id (+ distance to the centroid), latest run only.
- ml.cluster_descriptions: per cluster of the latest run: label, top terms, example tickets.
- ml.clustering_runs: one row per run with its settings, ARI/NMI against categories and the
  share of tickets that kept their topic since the previous run.

Topic ids are stable across refits: a refitted model's centres are matched to the previous
model's (ml/topic_matching.py), so a topic keeps its id and whatever a user keyed to it.
- <reports>/topics/clusters.json and clusters.png (a 2-D PCA view of a sample).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import joblib
import numpy as np
import pyarrow as pa
from scipy.special import comb
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import mutual_info_score

from ml.embeddings import arrow_to_vectors, text_sql
from ml.registry import (
    TOPICS,
    current_version,
    load_model,
    new_version,
    save_model,
    set_current,
    task_folder,
)
from ml.topic_matching import match_topics
from supportlake.warehouse import one_row

DEFAULT_CLUSTERS = 20
STREAM_ROWS = 100_000  # rows per Arrow batch read from DuckDB (~150 MB of float32 at most)
TOP_TERMS = 8
EXAMPLES = 3
TERMS_SAMPLE_PER_CLUSTER = 2_000
PLOT_SAMPLE = 5_000
SEED_SAMPLE = 20_000  # rows of the first streamed batch that seed the centres
# Streaming needs little database memory: callers open the clustering connection with this
# limit so the whole step (DuckDB's cache + one batch of vectors + the model) stays small.
DATABASE_MEMORY = "1GB"

TABLES_DDL = """
create schema if not exists ml;
create table if not exists ml.ticket_clusters (
    ticket_id varchar not null,
    cluster_id integer not null,
    distance_to_centroid double not null,
    clustering_run_id varchar not null
);
create table if not exists ml.cluster_descriptions (
    clustering_run_id varchar not null,
    cluster_id integer not null,
    cluster_label varchar not null,
    top_terms varchar[] not null,
    example_ticket_ids varchar[] not null
);
create table if not exists ml.clustering_runs (
    clustering_run_id varchar not null,
    fitted_at timestamp not null,
    embedding_model varchar not null,
    cluster_count integer not null,
    clustered_texts bigint not null,
    clustered_tickets bigint not null,
    epochs integer not null,
    minibatch_size integer not null,
    inertia double,
    adjusted_rand_index double,
    normalized_mutual_info double,
    labelled_tickets bigint not null,
    seconds double not null
);
"""


def ensure_topic_tables(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(TABLES_DDL)
    # Added after the first release: warehouses that have the table gain the column.
    connection.execute(
        "alter table ml.clustering_runs add column if not exists kept_topic_share double"
    )


# --- fitting -------------------------------------------------------------------------------


def plan_minibatches(texts: int) -> tuple[int, int]:
    """(minibatch size, epochs): ~200 updates at least, one pass when the data is big.

    MiniBatchKMeans needs many small steps to converge; a small warehouse gets several
    passes (cheap), a 10M-ticket one a single streamed pass of 4,096-row steps.
    """
    size = int(min(4_096, max(256, texts // 50)))
    epochs = int(min(30, max(1, math.ceil(200 * size / max(texts, 1)))))
    return size, epochs


def stage_text_weights(connection: duckdb.DuckDBPyConnection, embedding_model: str) -> int:
    # Identical texts are one embedding but many tickets: weight them by their ticket count.
    connection.execute(
        """
        create or replace temp table clustered_texts as
        select hashes.text_hash, count(*) as tickets
        from ml.ticket_text_hashes as hashes
        semi join ml.ticket_embeddings as embeddings
            on hashes.text_hash = embeddings.text_hash and embeddings.embedding_model = $model
        group by hashes.text_hash
        """,
        {"model": embedding_model},
    )
    return connection.execute("select count(*) from clustered_texts").fetchall()[0][0]


def stream_embeddings(
    connection: duckdb.DuckDBPyConnection, embedding_model: str, rows: int = STREAM_ROWS
) -> Iterator[tuple[pa.Array, np.ndarray, np.ndarray]]:
    """(text_hash, vectors, ticket weights) batches of the staged texts, streamed from DuckDB."""
    reader = connection.sql(
        """
        select embeddings.text_hash, embeddings.embedding, texts.tickets
        from ml.ticket_embeddings as embeddings
        inner join clustered_texts as texts on embeddings.text_hash = texts.text_hash
        where embeddings.embedding_model = $model
        -- One order on every run: without it the rows come in the order the embeddings were
        -- written (and threads returned them), and the order decides the minibatches, so two
        -- warehouses holding the same embeddings gave different topics.
        order by embeddings.text_hash
        """,
        params={"model": embedding_model},
    ).to_arrow_reader(rows)
    for batch in reader:
        yield (
            batch.column("text_hash"),
            arrow_to_vectors(batch.column("embedding")),
            batch.column("tickets").to_numpy().astype(np.float64),
        )


def fit_clusters(
    batches_per_epoch,
    *,
    n_clusters: int = DEFAULT_CLUSTERS,
    minibatch_size: int = 1_024,
    epochs: int = 1,
    seed: int = 0,
) -> MiniBatchKMeans:
    """partial_fit over `batches_per_epoch()` (a callable yielding (vectors, weights)) per epoch.

    A sample of the first streamed batch seeds the centres with a full k-means of several
    restarts: a single k-means++ draw on one minibatch, what partial_fit does alone,
    too often merges two topics. Later batches are cut into minibatches; only one streamed
    batch is in memory at a time.
    """
    rng = np.random.default_rng(seed)
    model: MiniBatchKMeans | None = None
    for _ in range(epochs):
        for vectors, weights in batches_per_epoch():
            order = rng.permutation(len(vectors))  # stored order is length-sorted: break it
            vectors, weights = vectors[order], weights[order]
            if model is None:
                model = _seeded_model(vectors, weights, n_clusters, minibatch_size, seed)
            for start in range(0, len(vectors), minibatch_size):
                chunk = slice(start, start + minibatch_size)
                if len(vectors[chunk]) >= n_clusters:  # sklearn refuses smaller minibatches
                    model.partial_fit(vectors[chunk], sample_weight=weights[chunk])
    if model is None:
        raise ValueError("no embeddings to cluster: run `supportlake embed` first")
    return model


def _seeded_model(vectors, weights, n_clusters: int, minibatch_size: int, seed: int):
    if len(vectors) < n_clusters:
        raise ValueError(
            f"cannot make {n_clusters} clusters from {len(vectors)} texts: "
            "embed more tickets or ask for fewer clusters"
        )
    # k-means on a sample of the first batch is enough to place the centres, and keeps the
    # seeding cost fixed (seconds) however large the batches are.
    rows = slice(0, SEED_SAMPLE)  # the batch is already shuffled
    seeding = KMeans(n_clusters=n_clusters, n_init=4, random_state=seed)
    seeding.fit(vectors[rows], sample_weight=weights[rows])
    return MiniBatchKMeans(
        n_clusters=n_clusters,
        init=seeding.cluster_centers_,
        n_init=1,
        batch_size=minibatch_size,
        random_state=seed,
    )


def assign_clusters(
    connection: duckdb.DuckDBPyConnection,
    model: MiniBatchKMeans,
    embedding_model: str,
    clustering_run_id: str,
    topic_ids: Sequence[int] | None = None,
) -> tuple[int, float]:
    """Write ml.ticket_clusters for every ticket with an embedding; returns (tickets, inertia).

    topic_ids maps the model's centre index to the stable topic id written (default: the
    index itself)."""
    ids = np.asarray(topic_ids if topic_ids is not None else range(model.n_clusters))
    writer = connection.cursor()  # the stream stays open on `connection` while this one writes
    writer.execute(
        "create or replace table ml.text_clusters_staging "
        "(text_hash varchar, cluster_id integer, distance_to_centroid double)"
    )
    inertia = 0.0
    try:
        for hashes, vectors, weights in stream_embeddings(connection, embedding_model):
            distances = model.transform(vectors)
            nearest = distances.argmin(axis=1)
            nearest_distance = distances[np.arange(len(nearest)), nearest]
            inertia += float(np.sum(weights * nearest_distance**2))
            batch = pa.table(
                {
                    "text_hash": hashes,
                    "cluster_id": pa.array(ids[nearest].astype(np.int32)),
                    "distance_to_centroid": pa.array(nearest_distance.astype(np.float64)),
                }
            )
            writer.register("assigned", batch)
            writer.execute("insert into ml.text_clusters_staging select * from assigned")
            writer.unregister("assigned")
        writer.execute(
            """
            create or replace table ml.ticket_clusters as
            select hashes.ticket_id, staged.cluster_id, staged.distance_to_centroid,
                $run as clustering_run_id
            from ml.ticket_text_hashes as hashes
            inner join ml.text_clusters_staging as staged on hashes.text_hash = staged.text_hash
            """,
            {"run": clustering_run_id},
        )
        tickets = writer.execute("select count(*) from ml.ticket_clusters").fetchall()[0][0]
    finally:
        writer.execute("drop table if exists ml.text_clusters_staging")
        writer.close()
    return tickets, inertia


# --- analysis ------------------------------------------------------------------------------


def adjusted_rand_from_contingency(contingency: np.ndarray) -> float:
    """ARI from a clusters x labels count table (what sklearn computes, without the labels)."""
    total = contingency.sum()
    sum_cells = comb(contingency, 2).sum()
    sum_rows = comb(contingency.sum(axis=1), 2).sum()
    sum_columns = comb(contingency.sum(axis=0), 2).sum()
    expected = sum_rows * sum_columns / comb(total, 2)
    maximum = (sum_rows + sum_columns) / 2
    if maximum == expected:
        return 1.0
    return float(np.clip((sum_cells - expected) / (maximum - expected), -1.0, 1.0))


def normalized_mutual_info_from_contingency(contingency: np.ndarray) -> float:
    """NMI (arithmetic mean normalisation, sklearn's default) from a count table."""

    def entropy(counts: np.ndarray) -> float:
        probabilities = counts[counts > 0] / counts.sum()
        return float(-(probabilities * np.log(probabilities)).sum())

    mutual = mutual_info_score(None, None, contingency=contingency)
    normaliser = (entropy(contingency.sum(axis=1)) + entropy(contingency.sum(axis=0))) / 2
    # Clipped: a perfect match computes to 1 + a rounding error, which the mart's test rejects.
    return float(min(mutual / normaliser, 1.0)) if normaliser > 0 else 1.0


def category_agreement(connection: duckdb.DuckDBPyConnection) -> tuple[float, float, int] | None:
    """ARI and NMI of clusters against ticket categories, from SQL counts (any size)."""
    counts = connection.execute(
        """
        select clusters.cluster_id, tickets.category, count(*) as tickets
        from ml.ticket_clusters as clusters
        inner join marts.tickets as tickets on clusters.ticket_id = tickets.ticket_id
        where tickets.category is not null
        group by all
        """
    ).fetchall()
    if not counts:
        return None
    clusters = sorted({row[0] for row in counts})
    categories = sorted({row[1] for row in counts})
    table = np.zeros((len(clusters), len(categories)), dtype=np.int64)
    for cluster_id, category, tickets in counts:
        table[clusters.index(cluster_id), categories.index(category)] = tickets
    ari = adjusted_rand_from_contingency(table)
    nmi = normalized_mutual_info_from_contingency(table)
    return ari, nmi, int(table.sum())


def class_tfidf_terms(
    texts: list[str], cluster_ids: np.ndarray, n_clusters: int, top: int = TOP_TERMS
) -> dict[int, list[str]]:
    """Top terms per cluster by class-based TF-IDF (each cluster's texts as one document)."""
    vectorizer = CountVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=2,
        max_features=50_000,
        token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z]+\b",  # words, not ids or numbers
    )
    try:
        counts = vectorizer.fit_transform(texts)
    except ValueError:  # every text was stop words or too rare
        return {cluster: [] for cluster in range(n_clusters)}
    per_cluster = np.vstack(
        [np.asarray(counts[cluster_ids == cluster].sum(axis=0)) for cluster in range(n_clusters)]
    )
    words_per_cluster = per_cluster.sum(axis=1, keepdims=True)
    term_frequency = per_cluster / np.maximum(words_per_cluster, 1)
    average_words = max(words_per_cluster.mean(), 1.0)
    idf = np.log(1 + average_words / np.maximum(per_cluster.sum(axis=0), 1))
    scores = term_frequency * idf
    vocabulary = vectorizer.get_feature_names_out()
    terms = {}
    for cluster in range(n_clusters):
        best = np.argsort(-scores[cluster])[:top]
        terms[cluster] = [str(vocabulary[index]) for index in best if scores[cluster, index] > 0]
    return terms


def _label(terms: list[str]) -> str:
    # Prefer distinct words: "refund / refund request" says less than "refund / charged".
    chosen: list[str] = []
    for term in terms:
        if not any(set(term.split()) & set(other.split()) for other in chosen):
            chosen.append(term)
        if len(chosen) == 3:
            break
    return " / ".join(chosen) or "(no distinctive terms)"


@dataclass
class ClusterDescription:
    cluster_id: int
    label: str
    tickets: int
    share: float
    top_terms: list[str]
    examples: list[dict]  # [{"ticket_id": ..., "subject": ...}] closest to the centroid
    # [{"category": ..., "share": ...}] largest first: read from marts.topic_cluster_mixes
    # once dbt has built it (add_cluster_mixes); empty straight after clustering.
    top_categories: list[dict] = field(default_factory=list)
    top_product_lines: list[dict] = field(default_factory=list)


def read_cluster_mixes(
    connection: duckdb.DuckDBPyConnection, top: int = 3
) -> dict[int, dict[str, list[dict]]]:
    """cluster id -> {"category": [...], "product_line": [...]}: the `top` largest values with
    their share, from marts.topic_cluster_mixes (the one definition of a mix, built by dbt
    after clustering; a missing value is '(none)' there)."""
    rows = connection.execute(
        """
        select cluster_id, mix_dimension, mix_value, ticket_share
        from marts.topic_cluster_mixes
        qualify row_number() over (
            partition by cluster_id, mix_dimension order by ticket_count desc, mix_value
        ) <= $top
        order by cluster_id, mix_dimension, ticket_share desc, mix_value
        """,
        {"top": top},
    ).fetchall()
    mixes: dict[int, dict[str, list[dict]]] = {}
    for cluster_id, dimension, value, share in rows:
        mixes.setdefault(cluster_id, {}).setdefault(dimension, []).append(
            {dimension: value, "share": round(float(share), 4)}
        )
    return mixes


def add_cluster_mixes(result: ClusteringResult, connection: duckdb.DuckDBPyConnection) -> None:
    """Fill each description's category and product-line mix from the dbt mart, and rewrite
    the run's clusters.json with them."""
    mixes = read_cluster_mixes(connection)
    for description in result.clusters:
        mix = mixes.get(description.cluster_id, {})
        description.top_categories = mix.get("category", [])
        description.top_product_lines = mix.get("product_line", [])
    if result.files.get("json"):
        Path(result.files["json"]).write_text(json.dumps(asdict(result), indent=2, default=str))


def describe_clusters(
    connection: duckdb.DuckDBPyConnection, topic_ids: Sequence[int], seed: int = 0
) -> list[ClusterDescription]:
    """Size, c-TF-IDF terms (on a per-cluster sample), examples and label for each of
    `topic_ids` (the ids ml.ticket_clusters holds). The category and product-line mix is
    dbt's (topic_cluster_mixes), added by add_cluster_mixes after the build."""
    position = {int(topic): index for index, topic in enumerate(topic_ids)}
    sample = connection.sql(
        f"""
        select clusters.cluster_id, {text_sql("tickets.subject", "tickets.message")} as text
        from ml.ticket_clusters as clusters
        inner join marts.tickets as tickets on clusters.ticket_id = tickets.ticket_id
        qualify row_number() over (
            partition by clusters.cluster_id order by hash(clusters.ticket_id, {seed})
        ) <= {TERMS_SAMPLE_PER_CLUSTER}
        """
    ).to_arrow_table()
    by_position = class_tfidf_terms(
        sample["text"].to_pylist(),
        np.array([position[int(c)] for c in sample["cluster_id"].to_pylist()], dtype=np.int64),
        len(position),
    )
    terms = {int(topic_ids[index]): found for index, found in by_position.items()}
    sizes = dict(
        connection.execute(
            "select cluster_id, count(*) from ml.ticket_clusters group by cluster_id"
        ).fetchall()
    )
    total = max(sum(sizes.values()), 1)
    examples: dict[int, list[dict]] = {}
    for cluster_id, ticket_id, subject in connection.execute(
        f"""
        select clusters.cluster_id, clusters.ticket_id, tickets.subject
        from ml.ticket_clusters as clusters
        inner join marts.tickets as tickets on clusters.ticket_id = tickets.ticket_id
        qualify row_number() over (
            partition by clusters.cluster_id
            order by clusters.distance_to_centroid, clusters.ticket_id
        ) <= {EXAMPLES}
        order by clusters.cluster_id, clusters.distance_to_centroid
        """
    ).fetchall():
        examples.setdefault(cluster_id, []).append({"ticket_id": ticket_id, "subject": subject})
    return [
        ClusterDescription(
            cluster_id=cluster,
            label=_label(terms.get(cluster, [])),
            tickets=int(sizes.get(cluster, 0)),
            share=round(sizes.get(cluster, 0) / total, 4),
            top_terms=terms.get(cluster, []),
            examples=examples.get(cluster, []),
        )
        for cluster in (int(topic) for topic in topic_ids)
    ]


def plot_clusters(
    connection: duckdb.DuckDBPyConnection,
    embedding_model: str,
    descriptions: list[ClusterDescription],
    path: Path,
    sample: int = PLOT_SAMPLE,
) -> Path:
    """A PCA projection of a sample of embeddings, coloured by cluster, labelled at centres."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    rows = connection.sql(
        f"""
        select staged.cluster_id, embeddings.embedding
        from (
            select any_value(clusters.cluster_id) as cluster_id, hashes.text_hash
            from ml.ticket_clusters as clusters
            inner join ml.ticket_text_hashes as hashes on clusters.ticket_id = hashes.ticket_id
            group by hashes.text_hash
        ) as staged
        inner join ml.ticket_embeddings as embeddings
            on staged.text_hash = embeddings.text_hash and embeddings.embedding_model = $model
        using sample reservoir({int(sample)} rows) repeatable (7)
        """,
        params={"model": embedding_model},
    ).to_arrow_table()
    vectors = arrow_to_vectors(rows["embedding"])
    clusters = rows["cluster_id"].to_numpy()
    points = PCA(n_components=2, random_state=0).fit_transform(vectors)
    figure, axis = plt.subplots(figsize=(13, 8))
    colours = plt.get_cmap("tab20")
    for description in descriptions:
        mask = clusters == description.cluster_id
        if not mask.any():
            continue
        colour = colours(description.cluster_id % 20)
        axis.scatter(
            points[mask, 0],
            points[mask, 1],
            s=4,
            alpha=0.45,
            color=colour,
            label=f"{description.cluster_id}: {description.label} ({description.tickets:,})",
        )
        # Only the id at the centre: twenty full labels on top of each other are unreadable.
        centre = points[mask].mean(axis=0)
        axis.annotate(
            str(description.cluster_id),
            centre,
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="center",
            bbox={"boxstyle": "circle,pad=0.2", "fc": "white", "ec": colour},
        )
    legend = axis.legend(
        loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, markerscale=3, frameon=False
    )
    # matplotlib documents a dict of font properties here; its stub lists only FontProperties
    legend.set_title("cluster: label (tickets)", prop={"size": 8})  # type: ignore[arg-type]
    axis.set_title(f"Ticket topic clusters (PCA of {len(vectors)} sampled texts)")
    axis.set_xlabel("first principal component")
    axis.set_ylabel("second principal component")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


# --- the whole clustering step -------------------------------------------------------------


@dataclass
class ClusteringResult:
    clustering_run_id: str
    embedding_model: str
    cluster_count: int
    clustered_texts: int
    clustered_tickets: int
    epochs: int
    minibatch_size: int
    inertia: float
    adjusted_rand_index: float | None
    normalized_mutual_info: float | None
    labelled_tickets: int
    seconds: float
    clusters: list[ClusterDescription] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    # Tickets clustered in both this and the previous run that have the same topic id now;
    # None on the first run.
    kept_topic_share: float | None = None
    matched_topics: int = 0  # topics of this model that kept an earlier topic's id

    def line(self) -> str:
        agreement = (
            f"ARI {self.adjusted_rand_index:.3f}, NMI {self.normalized_mutual_info:.3f} "
            f"vs categories"
            if self.adjusted_rand_index is not None
            else "no categories to compare"
        )
        kept = (
            f"; {self.kept_topic_share:.1%} of tickets kept their topic "
            f"({self.matched_topics} of {self.cluster_count} topics matched)"
            if self.kept_topic_share is not None
            else ""
        )
        return (
            f"{self.cluster_count} clusters over {self.clustered_tickets} tickets "
            f"({self.clustered_texts} texts, {self.epochs} passes): {agreement}{kept}"
        )


def model_file(models_dir: Path, embedding_model: str) -> Path:
    """Where the model was saved before it went through the registry (still read once)."""
    return Path(models_dir) / "topics" / f"kmeans-{embedding_model}.joblib"


def topic_task(embedding_model: str) -> str:
    """The registry task of the topic model over one embedding model's vectors."""
    return f"kmeans-{embedding_model}"


@dataclass
class TopicModel:
    """The k-means model and the stable topic id of each of its centres.

    Kept in the model registry (ml/registry.py, kind TOPICS): one version per fit, a current
    pointer the next refit matches against, rollback like the classifiers."""

    kmeans: MiniBatchKMeans
    topic_ids: list[int]
    next_topic_id: int  # the first id no topic has had yet

    def register(self, models_dir: Path, embedding_model: str, metadata: dict) -> Path:
        """Save as a new version and make it current; returns its folder."""
        task = topic_task(embedding_model)
        centres = np.ascontiguousarray(self.kmeans.cluster_centers_)
        version = new_version(
            task, hashlib.sha256(centres.tobytes()).hexdigest(), models_dir, kind=TOPICS
        )
        state = {"model": self.kmeans, "topic_ids": self.topic_ids}
        folder = save_model(
            models_dir,
            task,
            version,
            {**state, "next_topic_id": self.next_topic_id},
            {**metadata, "topic_ids": self.topic_ids, "next_topic_id": self.next_topic_id},
            kind=TOPICS,
        )
        set_current(models_dir, task, version, reason="fitted", kind=TOPICS)
        return folder

    @classmethod
    def current(cls, models_dir: Path, embedding_model: str) -> TopicModel | None:
        """The registry's current model, else one saved before the registry, else None."""
        task = topic_task(embedding_model)
        if current_version(models_dir, task, kind=TOPICS) is not None:
            return cls._from_saved(load_model(models_dir, task, kind=TOPICS).load_pipeline())
        legacy = model_file(models_dir, embedding_model)
        return cls._from_saved(joblib.load(legacy)) if legacy.exists() else None

    @classmethod
    def _from_saved(cls, saved) -> TopicModel:
        if isinstance(saved, dict):
            return cls(saved["model"], list(saved["topic_ids"]), int(saved["next_topic_id"]))
        # Saved before ids were stable: the centre index was the topic id.
        return cls(saved, list(range(saved.n_clusters)), saved.n_clusters)


def kept_topic_share(connection: duckdb.DuckDBPyConnection) -> float | None:
    """Share of tickets in both previous_ticket_clusters and ml.ticket_clusters whose topic id
    did not change; None when no ticket is in both."""
    kept, both = one_row(
        connection.execute(
            """
            select count(*) filter (where previous.cluster_id = current.cluster_id), count(*)
            from previous_ticket_clusters as previous
            inner join ml.ticket_clusters as current on previous.ticket_id = current.ticket_id
            """
        )
    )
    return kept / both if both else None


def cluster_tickets(
    connection: duckdb.DuckDBPyConnection,
    *,
    embedding_model: str,
    models_dir: Path,
    reports_dir: Path,
    n_clusters: int = DEFAULT_CLUSTERS,
    seed: int = 0,
    epochs: int | None = None,
    refit: bool = True,
    stream_rows: int = STREAM_ROWS,
) -> ClusteringResult:
    """Fit (or reuse) the cluster model, assign every ticket, describe, plot, record the run.

    With refit=False a saved model with the same cluster count is reused, so cluster ids stay
    put between runs and only the assignment of new tickets changes.
    """
    started = time.perf_counter()
    ensure_topic_tables(connection)
    texts = stage_text_weights(connection, embedding_model)
    minibatch_size, planned_epochs = plan_minibatches(texts)
    epochs = epochs or planned_epochs
    previous = TopicModel.current(models_dir, embedding_model)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    if previous is not None and not refit and previous.kmeans.n_clusters == n_clusters:
        topics, matched, epochs = previous, n_clusters, 0  # reused: no pass over the data
    else:

        def batches():
            for _, vectors, weights in stream_embeddings(connection, embedding_model, stream_rows):
                yield vectors, weights

        model = fit_clusters(
            batches,
            n_clusters=n_clusters,
            minibatch_size=minibatch_size,
            epochs=epochs,
            seed=seed,
        )
        match = match_topics(
            previous.kmeans.cluster_centers_ if previous else None,
            previous.topic_ids if previous else [],
            model.cluster_centers_,
            previous.next_topic_id if previous else 0,
        )
        topics = TopicModel(model, match.topic_ids, match.next_topic_id)
        matched = match.matched
        topics.register(
            models_dir,
            embedding_model,
            {
                "clustering_run_id": run_id,
                "embedding_model": embedding_model,
                "seed": seed,
                "epochs": epochs,
                "texts": texts,
                "matched_topics": matched,
            },
        )
    saved = task_folder(models_dir, topic_task(embedding_model), TOPICS)
    connection.execute(
        "create or replace temp table previous_ticket_clusters as "
        "select ticket_id, cluster_id from ml.ticket_clusters"
    )
    tickets, inertia = assign_clusters(
        connection, topics.kmeans, embedding_model, run_id, topics.topic_ids
    )
    kept = kept_topic_share(connection)
    agreement = category_agreement(connection)
    descriptions = describe_clusters(connection, topics.topic_ids, seed)
    _write_descriptions(connection, run_id, descriptions)
    result = ClusteringResult(
        clustering_run_id=run_id,
        embedding_model=embedding_model,
        cluster_count=n_clusters,
        clustered_texts=texts,
        clustered_tickets=tickets,
        epochs=epochs,
        minibatch_size=minibatch_size,
        inertia=inertia,
        adjusted_rand_index=agreement[0] if agreement else None,
        normalized_mutual_info=agreement[1] if agreement else None,
        labelled_tickets=agreement[2] if agreement else 0,
        seconds=0.0,
        clusters=descriptions,
        kept_topic_share=kept,
        matched_topics=matched if previous is not None else 0,
    )
    topics_dir = Path(reports_dir) / "topics"
    plot = plot_clusters(connection, embedding_model, descriptions, topics_dir / "clusters.png")
    result.seconds = time.perf_counter() - started
    _record_run(connection, result)
    report = topics_dir / "clusters.json"
    result.files = {"json": str(report), "png": str(plot), "model": str(saved)}
    report.write_text(json.dumps(asdict(result), indent=2, default=str))
    return result


def _write_descriptions(
    connection: duckdb.DuckDBPyConnection, run_id: str, descriptions: list[ClusterDescription]
) -> None:
    table = pa.table(
        {
            "cluster_id": pa.array([d.cluster_id for d in descriptions], pa.int32()),
            "cluster_label": [d.label for d in descriptions],
            "top_terms": pa.array([d.top_terms for d in descriptions], pa.list_(pa.string())),
            "example_ticket_ids": pa.array(
                [[e["ticket_id"] for e in d.examples] for d in descriptions],
                pa.list_(pa.string()),
            ),
        }
    )
    connection.register("descriptions", table)
    try:
        connection.execute("delete from ml.cluster_descriptions")  # latest run only
        connection.execute(
            """
            insert into ml.cluster_descriptions
            select $run, cluster_id, cluster_label, top_terms, example_ticket_ids
            from descriptions
            """,
            {"run": run_id},
        )
    finally:
        connection.unregister("descriptions")


def _record_run(connection: duckdb.DuckDBPyConnection, result: ClusteringResult) -> None:
    connection.execute(
        """
        insert into ml.clustering_runs (
            clustering_run_id, fitted_at, embedding_model, cluster_count, clustered_texts,
            clustered_tickets, epochs, minibatch_size, inertia, adjusted_rand_index,
            normalized_mutual_info, labelled_tickets, seconds, kept_topic_share
        ) values (
            $run, current_timestamp::timestamp, $model, $clusters, $texts, $tickets, $epochs,
            $minibatch, $inertia, $ari, $nmi, $labelled, $seconds, $kept
        )
        """,
        {
            "run": result.clustering_run_id,
            "model": result.embedding_model,
            "clusters": result.cluster_count,
            "texts": result.clustered_texts,
            "tickets": result.clustered_tickets,
            "epochs": result.epochs,
            "minibatch": result.minibatch_size,
            "inertia": result.inertia,
            "ari": result.adjusted_rand_index,
            "nmi": result.normalized_mutual_info,
            "labelled": result.labelled_tickets,
            "seconds": result.seconds,
            "kept": result.kept_topic_share,
        },
    )
