"""Clustering: partial_fit over streamed partitions, assignments, analysis, report files."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
from sklearn.metrics.cluster import contingency_matrix

from ml.embedding_backends import MODEL_NAME
from ml.embeddings import ensure_embedding_tables, write_embeddings
from ml.topics import (
    adjusted_rand_from_contingency,
    class_tfidf_terms,
    cluster_tickets,
    fit_clusters,
    normalized_mutual_info_from_contingency,
    stage_text_weights,
    stream_embeddings,
)
from supportlake.warehouse import open_warehouse
from tests.topics.ticket_fixtures import dominant_cluster


def blobs(rows: int, centres: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around `centres` random directions in 384-d, like sentence embeddings."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(centres, 384))
    truth = rng.integers(0, centres, rows)
    vectors = directions[truth] + rng.normal(scale=0.6, size=(rows, 384))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), truth


def partitions(vectors: np.ndarray, size: int):
    def batches():
        for start in range(0, len(vectors), size):
            chunk = vectors[start : start + size]
            yield chunk, np.ones(len(chunk))

    return batches


def test_partial_fit_over_partitions_finds_the_clusters_whatever_the_partition_size():
    vectors, truth = blobs(2_000)
    small = fit_clusters(partitions(vectors, 500), n_clusters=8, minibatch_size=256, epochs=2)
    large = fit_clusters(partitions(vectors, 800), n_clusters=8, minibatch_size=256, epochs=2)
    small_labels, large_labels = small.predict(vectors), large.predict(vectors)
    assert adjusted_rand_score(truth, small_labels) > 0.95
    assert adjusted_rand_score(small_labels, large_labels) > 0.95
    # Same data, same seed, same partitions: the same assignment, ticket for ticket.
    again = fit_clusters(partitions(vectors, 500), n_clusters=8, minibatch_size=256, epochs=2)
    assert np.array_equal(again.predict(vectors), small_labels)


def test_embeddings_stream_in_one_order_whatever_order_they_were_written_in():
    # The stream's order decides k-means' minibatches: two warehouses holding the same
    # embeddings, written in opposite orders, must give the same fit.
    vectors, _ = blobs(3_000)
    hashes = [f"{index:040x}" for index in range(len(vectors))]
    streamed = []
    for order in (range(len(vectors)), reversed(range(len(vectors)))):
        connection = duckdb.connect()
        ensure_embedding_tables(connection)
        rows = list(order)
        written = [hashes[row] for row in rows]
        connection.execute(
            "insert into ml.ticket_text_hashes "
            "select unnest($hashes), unnest($hashes), current_timestamp",
            {"hashes": written},
        )
        write_embeddings(connection, pa.array(written), vectors[rows], MODEL_NAME)
        stage_text_weights(connection, MODEL_NAME)
        streamed.append(
            [
                hash_
                for batch, _, _ in stream_embeddings(connection, MODEL_NAME, rows=1_000)
                for hash_ in batch.to_pylist()
            ]
        )
    assert streamed[0] == streamed[1] == sorted(hashes)


def test_fit_refuses_fewer_texts_than_clusters():
    vectors, _ = blobs(10)
    with pytest.raises(ValueError, match="cannot make 20 clusters from 10 texts"):
        fit_clusters(partitions(vectors, 100), n_clusters=20)


def test_agreement_scores_from_counts_equal_sklearns_from_labels():
    rng = np.random.default_rng(1)
    clusters, categories = rng.integers(0, 6, 500), rng.integers(0, 4, 500)
    categories[:200] = clusters[:200] % 4  # some real agreement
    table = contingency_matrix(clusters, categories)
    assert adjusted_rand_from_contingency(table) == pytest.approx(
        adjusted_rand_score(categories, clusters)
    )
    assert normalized_mutual_info_from_contingency(table) == pytest.approx(
        normalized_mutual_info_score(categories, clusters)
    )


def test_class_tfidf_prefers_words_that_set_a_cluster_apart():
    texts = [
        "please help, I was charged twice for the invoice",
        "please help, refund the invoice charged twice",
        "please help, the sync client crashes",
        "please help, sync stopped and the client crashes",
    ]
    terms = class_tfidf_terms(texts, np.array([0, 0, 1, 1]), n_clusters=2, top=3)
    assert set(terms[0]) <= {"charged", "charged twice", "invoice", "twice", "refund"}
    assert any("crashes" in term or "sync" in term for term in terms[1])
    assert "help" not in terms[0] + terms[1]  # in every cluster: says nothing


def test_cluster_tickets_assigns_every_ticket_and_describes_the_topics(embedded, tickets):
    settings = embedded
    with open_warehouse(settings) as connection:
        result = cluster_tickets(
            connection,
            embedding_model=MODEL_NAME,
            models_dir=settings.models_dir,
            reports_dir=settings.reports,
            n_clusters=6,
        )
        assigned = dict(
            connection.execute("select ticket_id, cluster_id from ml.ticket_clusters").fetchall()
        )
        runs = connection.execute("select count(*) from ml.clustering_runs").fetchall()[0][0]
    assert len(assigned) == len(tickets) == result.clustered_tickets
    # Six topics written six ways: the clusters should mostly be the categories.
    assert result.adjusted_rand_index > 0.6 and result.normalized_mutual_info > 0.7
    assert runs == 1
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        billing_id = dominant_cluster(connection, "Billing")
    billing = [c for c in result.clusters if c.cluster_id == billing_id]
    assert any(term in " ".join(billing[0].top_terms) for term in ("charged", "refund", "invoice"))
    assert all(not c.top_categories for c in result.clusters)  # the mix is dbt's, added later
    report = json.loads((settings.reports / "topics" / "clusters.json").read_text())
    assert len(report["clusters"]) == 6 and report["adjusted_rand_index"] is not None
    assert all(cluster["label"] and cluster["examples"] for cluster in report["clusters"])
    assert (settings.reports / "topics" / "clusters.png").stat().st_size > 10_000

    with open_warehouse(settings) as connection:  # reuse the saved model: ids stay put
        cluster_tickets(
            connection,
            embedding_model=MODEL_NAME,
            models_dir=settings.models_dir,
            reports_dir=settings.reports,
            n_clusters=6,
            refit=False,
        )
        reassigned = dict(
            connection.execute("select ticket_id, cluster_id from ml.ticket_clusters").fetchall()
        )
    assert reassigned == assigned
