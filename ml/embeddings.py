"""Ticket embeddings: each distinct normalised text is embedded once, partition by partition.

Tables (schema ml, declared to dbt as source `ml_topics`):
- ml.ticket_text_hashes: ticket_id -> text_hash (md5 of the normalised subject + message).
- ml.ticket_embeddings: text_hash + embedding_model -> FLOAT[384]; a re-run embeds only
  hashes it has not seen for that model.
- ml.text_sentiments: text_hash -> VADER compound score in [-1, 1].
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa

from ml.embedding_backends import DIMENSIONS, Encoder, load_encoder

DEFAULT_PARTITION_TEXTS = 20_000  # ~30 MB of float32 vectors per partition
ENCODE_CHUNK = 512  # texts per encode() call: the progress bar moves this often

TABLES_DDL = f"""
create schema if not exists ml;
create table if not exists ml.ticket_text_hashes (
    ticket_id varchar not null,
    text_hash varchar not null,
    hashed_at timestamp not null
);
create table if not exists ml.ticket_embeddings (
    text_hash varchar not null,
    embedding_model varchar not null,
    embedding float[{DIMENSIONS}] not null,
    embedded_at timestamp not null
);
create table if not exists ml.text_sentiments (
    text_hash varchar not null,
    sentiment_score double not null,
    scored_at timestamp not null
);
"""


def text_sql(subject: str, message: str) -> str:
    """SQL for the normalised ticket text: NFC, lower case, one space between words.

    The model is uncased, so lower-casing loses nothing and lets "Login FAILED" and
    "login failed" share one embedding.
    """
    joined = f"concat_ws('. ', nullif(trim({subject}), ''), nullif(trim({message}), ''))"
    return f"lower(trim(regexp_replace(nfc_normalize({joined}), '\\s+', ' ', 'g')))"


def normalize_text(subject: str | None, message: str | None = None) -> str:
    """The normalised text as the warehouse computes it (same SQL, so hashes always agree)."""
    if not hasattr(_local, "connection"):
        _local.connection = duckdb.connect()  # in-memory, one per thread (API workers)
    rows = _local.connection.execute(
        f"select coalesce({text_sql('$1::varchar', '$2::varchar')}, '')", [subject, message]
    ).fetchall()
    return rows[0][0]


_local = threading.local()


def text_hash(normalized: str) -> str:
    """md5 hex of the normalised text; equals DuckDB's md5() of the same string."""
    return hashlib.md5(normalized.encode("utf-8")).hexdigest()


def ensure_embedding_tables(connection: duckdb.DuckDBPyConnection) -> None:
    connection.execute(TABLES_DDL)


def refresh_text_hashes(connection: duckdb.DuckDBPyConnection) -> int:
    """Rebuild ticket_id -> text_hash from marts.tickets (one SQL pass); returns tickets mapped.

    Tickets with neither subject nor message get no hash (nothing to embed).
    """
    _require_tickets(connection)
    connection.execute(
        f"""
        create or replace table ml.ticket_text_hashes as
        select ticket_id, md5(ticket_text) as text_hash, current_timestamp::timestamp as hashed_at
        from (select ticket_id, {text_sql("subject", "message")} as ticket_text from marts.tickets)
        where ticket_text <> ''
        """
    )
    return connection.execute("select count(*) from ml.ticket_text_hashes").fetchall()[0][0]


def _require_tickets(connection: duckdb.DuckDBPyConnection) -> None:
    found = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'tickets'"
    ).fetchall()[0][0]
    if not found:
        raise LookupError("marts.tickets is not in this warehouse yet: run `supportlake build`")


def score_sentiment(texts: Sequence[str]) -> np.ndarray:
    """VADER compound sentiment per text, -1 (angry) .. 1 (happy), as the classifier reads it."""
    from ml.features import sentiment_scores

    return np.fromiter(
        (sentiment_scores(text)["compound"] for text in texts), dtype=np.float64, count=len(texts)
    )


def vectors_to_arrow(vectors: np.ndarray) -> pa.FixedSizeListArray:
    """float32 (n, 384) -> an Arrow fixed-size list column, which DuckDB reads as FLOAT[384]."""
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).ravel(), type=pa.float32())
    return pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])


def arrow_to_vectors(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A FLOAT[384] column fetched as Arrow -> float32 (n, 384) without a per-row Python loop."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(column) == 0:
        return np.empty((0, DIMENSIONS), dtype=np.float32)
    width = column.type.list_size
    values = column.flatten().to_numpy(zero_copy_only=False)
    return values.reshape(-1, width).astype(np.float32, copy=False)


@dataclass
class EmbedSummary:
    tickets: int  # tickets with a text
    distinct_texts: int
    embedded_texts: int  # new this run
    scored_texts: int  # new sentiment scores this run
    partitions: int
    backend: str
    embedding_model: str
    device: str
    seconds: float  # the whole step
    encode_seconds: float  # inside the encoder only

    @property
    def texts_per_second(self) -> float:
        return self.embedded_texts / self.encode_seconds if self.encode_seconds else 0.0

    def line(self) -> str:
        if not self.embedded_texts and not self.scored_texts:
            return (
                f"{self.tickets} tickets, {self.distinct_texts} distinct texts: "
                f"all embedded already ({self.embedding_model})"
            )
        return (
            f"{self.tickets} tickets, {self.distinct_texts} distinct texts: embedded "
            f"{self.embedded_texts} new with {self.backend} on {self.device} "
            f"({self.texts_per_second:.0f}/s) in {self.partitions} partitions, "
            f"{self.scored_texts} sentiment scores"
        )


def stage_pending(
    connection: duckdb.DuckDBPyConnection, embedding_model: str, partition_texts: int
) -> tuple[int, int]:
    """Temp table pending_texts: the texts that still lack an embedding (this model) or a
    sentiment score, numbered into partitions; returns (texts pending, partitions)."""
    connection.execute(
        """
        create or replace temp table pending_hashes as
        select distinct hashes.text_hash,
            embeddings.text_hash is null as needs_embedding,
            sentiments.text_hash is null as needs_sentiment
        from ml.ticket_text_hashes as hashes
        left join (
            select text_hash from ml.ticket_embeddings where embedding_model = $model
        ) as embeddings on hashes.text_hash = embeddings.text_hash
        left join ml.text_sentiments as sentiments on hashes.text_hash = sentiments.text_hash
        where embeddings.text_hash is null or sentiments.text_hash is null
        """,
        {"model": embedding_model},
    )
    pending = connection.execute("select count(*) from pending_hashes").fetchall()[0][0]
    partitions = max(1, math.ceil(pending / partition_texts))
    # Texts come back from the mart (the mapping stores no text); one row per hash.
    connection.execute(
        f"""
        create or replace temp table pending_texts as
        select
            pending.text_hash,
            any_value(pending.needs_embedding) as needs_embedding,
            any_value(pending.needs_sentiment) as needs_sentiment,
            any_value({text_sql("tickets.subject", "tickets.message")}) as ticket_text,
            hash(pending.text_hash) % {partitions} as partition_number
        from pending_hashes as pending
        inner join ml.ticket_text_hashes as hashes on pending.text_hash = hashes.text_hash
        inner join marts.tickets as tickets on hashes.ticket_id = tickets.ticket_id
        group by pending.text_hash
        -- Stored in partition order, so each partition's read skips the others' row groups.
        order by partition_number
        """
    )
    return pending, partitions


def embed_tickets(
    connection: duckdb.DuckDBPyConnection,
    *,
    encoder: Encoder | None = None,
    backend: str = "auto",
    models_dir=None,
    partition_texts: int = DEFAULT_PARTITION_TEXTS,
    batch_size: int | None = None,
    progress=None,
) -> EmbedSummary:
    """Map tickets to text hashes, then embed and score every text not done before.

    Each partition is written in one statement, so a crash loses at most the partition in
    flight and the next run carries on where this one stopped.
    """
    started = time.perf_counter()
    _require_tickets(connection)  # before creating anything in a warehouse without marts
    ensure_embedding_tables(connection)
    encoder = encoder or load_encoder(backend, models_dir)
    tickets = refresh_text_hashes(connection)
    pending, partitions = stage_pending(connection, encoder.embedding_model, partition_texts)
    embedded = scored = 0
    encode_seconds = 0.0
    task = progress.add_task("embedding texts", total=pending) if progress else None
    for partition in range(partitions):
        rows = pending_partition(connection, partition)
        if rows.num_rows == 0:
            continue
        count, seconds = _embed_partition(connection, encoder, rows, batch_size, progress, task)
        embedded, encode_seconds = embedded + count, encode_seconds + seconds
        scored += _score_partition(connection, rows)
    return run_summary(
        encoder,
        started,
        tickets=tickets,
        distinct_texts=count_distinct_texts(connection),
        embedded=embedded,
        scored=scored,
        partitions=partitions if pending else 0,
        encode_seconds=encode_seconds,
    )


def count_distinct_texts(connection: duckdb.DuckDBPyConnection) -> int:
    return connection.execute(
        "select count(distinct text_hash) from ml.ticket_text_hashes"
    ).fetchall()[0][0]


def run_summary(
    encoder: Encoder,
    started: float,
    *,
    tickets: int,
    distinct_texts: int,
    embedded: int,
    scored: int,
    partitions: int,
    encode_seconds: float,
) -> EmbedSummary:
    """An embed run's summary (in one process or on workers), timed from `started`."""
    return EmbedSummary(
        tickets=tickets,
        distinct_texts=distinct_texts,
        embedded_texts=embedded,
        scored_texts=scored,
        partitions=partitions,
        backend=encoder.backend,
        embedding_model=encoder.embedding_model,
        device=encoder.device,
        seconds=time.perf_counter() - started,
        encode_seconds=encode_seconds,
    )


def pending_partition(connection: duckdb.DuckDBPyConnection, partition: int) -> pa.Table:
    """One partition of pending_texts, shortest texts first (the encoder's batches)."""
    return connection.sql(
        """
        select text_hash, ticket_text, needs_embedding, needs_sentiment
        from pending_texts where partition_number = ?
        order by length(ticket_text), text_hash
        """,
        params=[partition],
    ).to_arrow_table()


def encode_in_chunks(
    encoder: Encoder, texts: Sequence[str], batch_size: int | None, on_chunk=None
) -> tuple[np.ndarray, float]:
    """Vectors for `texts` in ENCODE_CHUNK calls, and the seconds spent in the encoder. The
    distributed path (flows/distributed.py) encodes each partition through this too, so its
    batches, and therefore its vectors, are the single-process run's."""
    vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    seconds = 0.0
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunk = texts[start : start + ENCODE_CHUNK]
        began = time.perf_counter()
        vectors[start : start + len(chunk)] = encoder.encode(chunk, batch_size=batch_size)
        seconds += time.perf_counter() - began
        if on_chunk is not None:
            on_chunk(len(chunk))
    return vectors, seconds


def _embed_partition(
    connection: duckdb.DuckDBPyConnection, encoder, rows: pa.Table, batch_size, progress, task
) -> tuple[int, float]:
    wanted = rows.filter(rows["needs_embedding"])
    texts = wanted["ticket_text"].to_pylist()
    on_chunk = (lambda done: progress.advance(task, done)) if progress is not None else None
    vectors, seconds = encode_in_chunks(encoder, texts, batch_size, on_chunk)
    if progress is not None and rows.num_rows > len(texts):
        progress.advance(task, rows.num_rows - len(texts))  # rows needing only a score
    if not texts:
        return 0, 0.0
    write_embeddings(connection, wanted["text_hash"], vectors, encoder.embedding_model)
    return len(texts), seconds


def write_embeddings(
    connection: duckdb.DuckDBPyConnection, text_hashes, vectors: np.ndarray, embedding_model: str
) -> None:
    """Insert one partition's vectors in one statement (the only writer of the table)."""
    new_embeddings = pa.table({"text_hash": text_hashes, "embedding": vectors_to_arrow(vectors)})
    connection.register("new_embeddings", new_embeddings)
    try:
        connection.execute(
            f"""
            insert into ml.ticket_embeddings
            select text_hash, $model, embedding::float[{DIMENSIONS}], current_timestamp::timestamp
            from new_embeddings
            """,
            {"model": embedding_model},
        )
    finally:
        connection.unregister("new_embeddings")


def _score_partition(connection: duckdb.DuckDBPyConnection, rows: pa.Table) -> int:
    wanted = rows.filter(rows["needs_sentiment"])
    if wanted.num_rows == 0:
        return 0
    write_sentiments(
        connection, wanted["text_hash"], score_sentiment(wanted["ticket_text"].to_pylist())
    )
    return wanted.num_rows


def write_sentiments(
    connection: duckdb.DuckDBPyConnection, text_hashes, scores: np.ndarray
) -> None:
    scores = pa.table({"text_hash": text_hashes, "sentiment_score": scores})
    connection.register("new_scores", scores)
    try:
        connection.execute(
            """
            insert into ml.text_sentiments
            select text_hash, sentiment_score, current_timestamp::timestamp from new_scores
            """
        )
    finally:
        connection.unregister("new_scores")


def embed_texts(texts: Sequence[str], *, backend: str = "auto", models_dir=None) -> np.ndarray:
    """Embed free texts (normalised the warehouse's way) with a cached encoder."""
    encoder = load_encoder(backend, models_dir)
    return encoder.encode([normalize_text(text) for text in texts])
