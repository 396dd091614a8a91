"""The hybrid index over knowledge-base chunks (marts.knowledge_base_chunks), from the serving
copy (supportlake.assist opens it read-only and caches the index per published copy).

Chunks have no stored embeddings in the warehouse: they are encoded here, and their vectors
kept in <models_dir>/knowledge_base_vectors.parquet keyed by the chunk text's md5 and the
model, so a new serving copy re-encodes only the chunks whose text is new or changed.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ml.embeddings import arrow_to_vectors, vectors_to_arrow
from ml.retrieval import HybridIndex
from supportlake.settings import Settings
from supportlake.warehouse import one_row

VECTOR_CACHE = "knowledge_base_vectors.parquet"


@dataclass(frozen=True)
class ArticleChunk:
    chunk_id: str  # <article_id>#<chunk_number>
    article_id: str
    article_title: str | None
    heading: str | None
    chunk_text: str
    product: str | None
    url: str | None
    updated_at: datetime | None

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def indexed_text(self) -> str:
        return ". ".join(filter(None, [self.article_title, self.heading, self.chunk_text]))


@dataclass
class ArticleIndex:
    index: HybridIndex | None  # None: the knowledge base is empty
    chunks: dict[str, ArticleChunk]
    encoded_now: int  # chunks encoded for this index (the rest came from the cache)


def _fetch_chunks(connection: duckdb.DuckDBPyConnection) -> list[ArticleChunk]:
    present = one_row(
        connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'marts' and table_name = 'knowledge_base_chunks'"
        )
    )[0]
    if not present:
        return []
    rows = connection.execute(
        "select chunk_id, article_id, article_title, heading, chunk_text, product, url, "
        "updated_at from marts.knowledge_base_chunks order by chunk_id"
    ).fetchall()
    return [ArticleChunk(*row) for row in rows]


def _text_key(text: str, model: str) -> str:
    return hashlib.md5(f"{model}\n{text}".encode()).hexdigest()


def cached_vectors(texts: list[str], encoder, cache_file: Path) -> tuple[np.ndarray, int]:
    """Vectors for `texts`, encoding only those the cache lacks; returns (vectors, encoded)."""
    keys = [_text_key(text, encoder.embedding_model) for text in texts]
    known: dict[str, np.ndarray] = {}
    if cache_file.exists():
        table = pq.read_table(cache_file)
        vectors = arrow_to_vectors(table["embedding"])
        known = dict(zip(table["key"].to_pylist(), vectors, strict=True))
    missing = sorted(
        {key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items()
    )
    if missing:
        fresh = encoder.encode([text for _, text in missing])
        known.update(zip([key for key, _ in missing], fresh, strict=True))
        kept = sorted(set(keys))  # the cache holds the current chunks only
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        temporary = cache_file.with_name(f".{cache_file.name}.tmp")
        pq.write_table(
            pa.table(
                {"key": kept, "embedding": vectors_to_arrow(np.stack([known[k] for k in kept]))}
            ),
            temporary,
        )
        temporary.replace(cache_file)
    return np.stack([known[key] for key in keys]) if keys else np.empty((0, 0)), len(missing)


def build_article_index(
    connection: duckdb.DuckDBPyConnection, encoder, settings: Settings
) -> ArticleIndex:
    """Index the chunks read through `connection` (open read-only on the serving copy); their
    vectors come from the models folder's cache where the text is unchanged."""
    chunks = _fetch_chunks(connection)
    if not chunks:
        return ArticleIndex(None, {}, 0)
    texts = [chunk.indexed_text for chunk in chunks]
    vectors, encoded = cached_vectors(texts, encoder, Path(settings.models_dir) / VECTOR_CACHE)
    index = HybridIndex([chunk.chunk_id for chunk in chunks], texts, vectors, settings)
    return ArticleIndex(index, {chunk.chunk_id: chunk for chunk in chunks}, encoded)
