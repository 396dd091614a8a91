"""Embedding on a real local Dask cluster (2 worker processes, through prefect-dask) writes
the same vectors and sentiment scores, byte for byte, as the single-process `embed_tickets`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.distributed import embed_on_dask
from ml.embeddings import embed_tickets
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

TEXTS = 360
PARTITION_TEXTS = 90  # four partitions for two workers


def make_warehouse(settings: Settings) -> None:
    """A marts.tickets with distinct subjects and messages of varied length."""
    with open_warehouse(settings) as connection:
        connection.execute("create schema marts")
        connection.execute(
            "create table marts.tickets as select 'T-' || i as ticket_id, "
            "'Order ' || i || ' ' || (['late', 'broken', 'refund', 'login'])[i % 4 + 1] "
            "as subject, repeat('the parcel never arrived, ', i % 9) || 'case ' || (i * 7919) "
            f"as message from range({TEXTS}) t(i)"
        )


def stored(settings: Settings) -> tuple[list, list]:
    with open_warehouse(settings, read_only=True) as connection:
        vectors = connection.execute(
            "select text_hash, embedding_model, embedding from ml.ticket_embeddings "
            "order by text_hash"
        ).fetchall()
        sentiments = connection.execute(
            "select text_hash, sentiment_score from ml.text_sentiments order by text_hash"
        ).fetchall()
    return vectors, sentiments


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory) -> Iterator[None]:
    """One throwaway Prefect server for the module's flow runs: starting one costs 10-15 s."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("PREFECT_HOME", str(tmp_path_factory.mktemp("prefect")))
        with prefect_test_harness(server_startup_timeout=90):
            yield


def test_two_dask_workers_give_the_single_process_vectors(tmp_path, prefect_server):
    single = Settings.in_folder(tmp_path / "single")
    cluster = Settings.in_folder(tmp_path / "cluster")
    for settings in (single, cluster):
        make_warehouse(settings)
    with open_warehouse(single) as connection:
        expected = embed_tickets(connection, backend="torch", partition_texts=PARTITION_TEXTS)

    summary = embed_on_dask(cluster, workers=2, backend="torch", partition_texts=PARTITION_TEXTS)

    assert summary.partitions == expected.partitions == 4
    assert summary.embedded_texts == summary.scored_texts == TEXTS
    vectors, sentiments = stored(cluster)
    expected_vectors, expected_sentiments = stored(single)
    assert len(vectors) == TEXTS
    assert vectors == expected_vectors  # float32 lists: equal means the same bits
    assert sentiments == expected_sentiments


def test_a_warehouse_without_marts_fails_saying_to_build_first(tmp_path, prefect_server):
    settings = Settings.in_folder(tmp_path)
    with pytest.raises(LookupError, match="marts.tickets is not in this warehouse yet"):
        embed_on_dask(settings, workers=1, backend="torch")
