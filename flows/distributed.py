"""Ticket embeddings and sentiment scores on a Dask cluster, written by one process.

The heavy step of `supportlake embed` is the encoder; everything around it is SQL. Here the
driver stages the pending texts exactly as ml.embeddings.embed_tickets does (same partitions,
same order inside each), sends each partition to a Dask worker as a Prefect task (prefect-dask's
DaskTaskRunner), and writes every partition that comes back: workers return Arrow tables and
never open the warehouse, so a single-file warehouse has one writer and a DuckLake catalog
gets one commit per partition. Each worker encodes its partition through
ml.embeddings.encode_in_chunks, the single-process code path, so the batches, and with them
the vectors, are byte-identical to a single-process run (tests/scale_out).

Without `address` a LocalCluster of `workers` single-threaded processes runs the tasks; with
`address="tcp://scheduler:8786"` the cluster started by `dask scheduler` / `dask worker`
on other machines does (they need this package installed and the model, not the warehouse).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed

from flows.parallel import dask_runner
from ml.embedding_backends import load_encoder
from ml.embeddings import (
    DEFAULT_PARTITION_TEXTS,
    EmbedSummary,
    arrow_to_vectors,
    count_distinct_texts,
    encode_in_chunks,
    ensure_embedding_tables,
    pending_partition,
    refresh_text_hashes,
    run_summary,
    score_sentiment,
    stage_pending,
    vectors_to_arrow,
    write_embeddings,
    write_sentiments,
)
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


@dataclass(frozen=True)
class PartitionJob:
    index: int
    rows: pa.Table  # text_hash, ticket_text, needs_embedding, needs_sentiment (pending_partition)
    backend: str  # the driver's resolved backend, so every worker encodes the same way
    models_dir: str
    batch_size: int | None


@dataclass(frozen=True)
class PartitionResult:
    index: int
    embeddings: pa.Table  # text_hash, embedding (FLOAT[384] as a fixed-size list)
    sentiments: pa.Table  # text_hash, sentiment_score
    encode_seconds: float


@task(retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def encode_partition(job: PartitionJob) -> PartitionResult:
    """On a worker: vectors and sentiment scores for one partition, as Arrow tables."""
    encoder = load_encoder(job.backend, Path(job.models_dir))  # once per worker process
    wanted = job.rows.filter(job.rows["needs_embedding"])
    vectors, seconds = encode_in_chunks(encoder, wanted["ticket_text"].to_pylist(), job.batch_size)
    scored = job.rows.filter(job.rows["needs_sentiment"])
    return PartitionResult(
        index=job.index,
        embeddings=pa.table(
            {"text_hash": wanted["text_hash"], "embedding": vectors_to_arrow(vectors)}
        ),
        sentiments=pa.table(
            {
                "text_hash": scored["text_hash"],
                "sentiment_score": score_sentiment(scored["ticket_text"].to_pylist()),
            }
        ),
        encode_seconds=seconds,
    )


@flow(name="embed-tickets-distributed")
def embed_tickets_distributed(
    settings_json: str,
    backend: str = "auto",
    partition_texts: int = DEFAULT_PARTITION_TEXTS,
    batch_size: int | None = None,
) -> EmbedSummary:
    """Stage in the warehouse, encode the partitions on the task runner's workers, write each
    partition as it comes back (the only connection to the warehouse is this one)."""
    started = time.perf_counter()
    settings = Settings.model_validate_json(settings_json)
    embedded = scored = partitions_done = 0
    encode_seconds = 0.0
    with open_warehouse(settings) as connection:
        ensure_embedding_tables(connection)
        tickets = refresh_text_hashes(connection)  # LookupError when there are no marts yet
        encoder = load_encoder(backend, settings.models_dir)  # its name keys the embeddings
        pending, partitions = stage_pending(connection, encoder.embedding_model, partition_texts)
        jobs = [
            PartitionJob(
                index,
                pending_partition(connection, index),
                encoder.backend,
                str(Path(settings.models_dir).resolve()),
                batch_size,
            )
            for index in range(partitions if pending else 0)
        ]
        futures = encode_partition.map([job for job in jobs if job.rows.num_rows])
        for future in as_completed(futures):
            result: PartitionResult = future.result()
            embeddings, sentiments = result.embeddings, result.sentiments
            if embeddings.num_rows:
                write_embeddings(
                    connection,
                    embeddings["text_hash"],
                    arrow_to_vectors(embeddings["embedding"]),
                    encoder.embedding_model,
                )
            if sentiments.num_rows:
                write_sentiments(connection, sentiments["text_hash"], sentiments["sentiment_score"])
            embedded += embeddings.num_rows
            scored += sentiments.num_rows
            encode_seconds += result.encode_seconds
            partitions_done += 1
        distinct = count_distinct_texts(connection)
    return run_summary(
        encoder,
        started,
        tickets=tickets,
        distinct_texts=distinct,
        embedded=embedded,
        scored=scored,
        partitions=partitions_done,
        encode_seconds=encode_seconds,
    )


def embed_on_dask(
    settings: Settings,
    *,
    workers: int = 2,
    address: str | None = None,
    backend: str = "auto",
    partition_texts: int = DEFAULT_PARTITION_TEXTS,
    batch_size: int | None = None,
) -> EmbedSummary:
    """embed_tickets_distributed on a local cluster of `workers` processes, or on the Dask
    scheduler at `address` (tcp://host:8786)."""
    runner = dask_runner(workers, address)
    # prefect_dask's runner is a TaskRunner of its own future type, which Prefect's hint omits.
    flow = embed_tickets_distributed.with_options(task_runner=runner)  # type: ignore[arg-type]
    return flow(settings.model_dump_json(), backend, partition_texts, batch_size)
