"""Similar resolved tickets for a free text, by cosine similarity over the stored embeddings."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np

from ml.embedding_backends import DIMENSIONS, load_encoder
from ml.embeddings import normalize_text

DEFAULT_NEIGHBOURS = 5


@dataclass(frozen=True)
class SimilarTicket:
    ticket_id: str
    similarity: float  # cosine, 1.0 = same meaning
    subject: str | None
    message: str | None
    category: str | None
    product_line: str | None
    priority: str | None
    status: str | None
    resolved_at: datetime | None
    resolution_minutes: float | None
    cluster_id: int | None  # topic cluster of the latest clustering run, if any

    def to_dict(self) -> dict:
        return asdict(self)


def _has_clusters(connection: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ml' and table_name = 'ticket_clusters'"
        ).fetchall()[0][0]
    )


def search_similar(
    connection: duckdb.DuckDBPyConnection,
    query_vector,
    embedding_model: str,
    k: int = DEFAULT_NEIGHBOURS,
) -> list[SimilarTicket]:
    """The k resolved tickets nearest to `query_vector`; one ticket per distinct text.

    A brute-force scan with DuckDB's core array_cosine_similarity: vectorised and parallel,
    fine to a few million texts (see docs/topics.md for larger warehouses). Only the nearest
    `20 k` texts are joined to the tickets; if too few of those are resolved, all are.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    found = _search(connection, query_vector, embedding_model, k, candidates=max(100, 20 * k))
    if len(found) < k:
        found = _search(connection, query_vector, embedding_model, k, candidates=None)
    return found


def _search(connection, query_vector, embedding_model: str, k: int, candidates: int | None):
    cluster_join = (
        "left join ml.ticket_clusters as clusters on tickets.ticket_id = clusters.ticket_id"
        if _has_clusters(connection)
        else "left join (select null::varchar as ticket_id, null::integer as cluster_id) "
        "as clusters on false"
    )
    rows = connection.execute(
        f"""
        with nearest as (
            select
                text_hash,
                array_cosine_similarity(embedding, $query::float[{DIMENSIONS}]) as similarity
            from ml.ticket_embeddings
            where embedding_model = $model
            order by similarity desc
            limit $candidates
        ),

        resolved as (
            select
                tickets.ticket_id,
                nearest.similarity,
                tickets.subject,
                tickets.message,
                tickets.category,
                tickets.product_line,
                tickets.priority,
                tickets.status,
                tickets.resolved_at,
                tickets.resolution_minutes,
                clusters.cluster_id
            from nearest
            inner join ml.ticket_text_hashes as hashes on nearest.text_hash = hashes.text_hash
            inner join marts.tickets as tickets on hashes.ticket_id = tickets.ticket_id
            {cluster_join}
            where tickets.is_resolved
            qualify row_number() over (
                partition by nearest.text_hash
                order by tickets.resolved_at desc nulls last, tickets.ticket_id
            ) = 1
        )

        select * from resolved
        order by similarity desc, ticket_id
        limit $k
        """,
        {
            "query": [float(value) for value in query_vector],
            "model": embedding_model,
            "k": k,
            "candidates": candidates,
        },
    ).fetchall()
    return [SimilarTicket(*row) for row in rows]


def encode_query(text: str, backend: str, models_dir: Path) -> tuple[np.ndarray, str]:
    """(vector, embedding model) of `text` for search_similar, with the encoder of `backend`
    (loaded once per process); a ValueError before any loading when the text is empty.

    Callers encode first and open the warehouse or the serving copy read-only for the query
    alone, so a running pipeline is never blocked for longer than one query."""
    normalized = normalize_text(text)
    if not normalized:
        raise ValueError("cannot search for similar tickets: the text is empty")
    encoder = load_encoder(backend, models_dir)
    return encoder.encode([normalized])[0], encoder.embedding_model
