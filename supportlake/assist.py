"""Agent assist from the serving copy: `supportlake recommend` and POST /recommend-resolution.

ml/ builds the search indexes (resolved tickets: ml/resolved_index.py, knowledge-base
sections: ml/article_index.py) and the recommendation (ml/recommend.py) from a connection it
is handed; this module opens the serving copy for them, read-only and never the writer's file,
and keeps each index per process until a build publishes a new copy (its file changes):
then the resolved tickets' index is updated with what changed, the knowledge base's built
again, so answers follow the data without a refresh step and without opening a file per
request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

import duckdb

from ml.article_index import ArticleIndex, build_article_index
from ml.embedding_backends import load_encoder
from ml.embeddings import normalize_text
from ml.recommend import (
    DEFAULT_ARTICLES,
    DEFAULT_TICKETS,
    MIN_CONFIDENCE,
    Recommendation,
    recommend_from_index,
)
from ml.resolved_index import (
    NothingToSearch,
    ResolvedIndex,
    build_resolved_index,
    update_resolved_index,
)
from supportlake.serving import ServingCopyMissing, open_serving, serving_path
from supportlake.settings import Settings, get_settings

Index = TypeVar("Index")


class PerServingCopy(Generic[Index]):
    """One index per serving copy and embedding model, built on first use. When a build
    publishes a newer copy of the same file, `refresh` (when given) brings the older copy's
    index up to it in place, reading only what changed; without it, or when the refresh
    fails, the older index is closed and a new one built."""

    def __init__(
        self,
        close: Callable[[Index], None],
        refresh: Callable[[Index, duckdb.DuckDBPyConnection, Path], Index] | None = None,
    ) -> None:
        self._indexes: dict[tuple, Index] = {}
        self._lock = threading.Lock()
        self._close = close
        self._refresh = refresh

    def get(
        self,
        settings: Settings,
        embedding_model: str,
        build: Callable[[duckdb.DuckDBPyConnection], Index],
    ) -> Index:
        path = serving_path(settings)
        try:
            stat = path.stat()
        except FileNotFoundError:
            raise ServingCopyMissing(
                f"no serving copy at {path} yet: run `supportlake ingest` and `supportlake build`"
            ) from None
        key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, embedding_model)
        with self._lock:
            if key not in self._indexes:
                stale = [k for k in self._indexes if k[0] == key[0] and k[3] == key[3]]
                older = [self._indexes.pop(k) for k in stale]
                with open_serving(settings) as connection:
                    self._indexes[key] = self._refreshed(older, connection, path) or build(
                        connection
                    )
            return self._indexes[key]

    def _refreshed(
        self, older: list[Index], connection: duckdb.DuckDBPyConnection, path: Path
    ) -> Index | None:
        """The newest older index brought up to the copy open as `connection`, or None
        (nothing to refresh, or the refresh failed: the caller builds anew)."""
        if self._refresh is None or not older:
            for index in older:
                self._close(index)
            return None
        *rest, newest = older
        for index in rest:
            self._close(index)
        try:
            return self._refresh(newest, connection, path)
        except (ValueError, LookupError, duckdb.Error) as error:
            logging.getLogger(__name__).warning("index built anew, refresh failed: %s", error)
            self._close(newest)
            return None


def _close_articles(built: ArticleIndex) -> None:
    if built.index is not None:  # None: the knowledge base was empty
        built.index.close()


_resolved: PerServingCopy[ResolvedIndex] = PerServingCopy(
    lambda built: built.index.close(), refresh=update_resolved_index
)
_articles: PerServingCopy[ArticleIndex] = PerServingCopy(_close_articles)


def resolved_index(settings: Settings, embedding_model: str) -> ResolvedIndex:
    """The resolved tickets' index of the current serving copy (ServingCopyMissing before the
    first build, NothingToSearch before the first embedding)."""
    return _resolved.get(
        settings,
        embedding_model,
        lambda connection: build_resolved_index(
            connection, embedding_model, settings, serving_path(settings)
        ),
    )


def article_index(settings: Settings, encoder) -> ArticleIndex:
    """The knowledge-base sections' index of the current serving copy."""
    return _articles.get(
        settings,
        encoder.embedding_model,
        lambda connection: build_article_index(connection, encoder, settings),
    )


def recommend_resolution(
    text: str,
    settings: Settings | None = None,
    *,
    k: int = DEFAULT_TICKETS,
    k_articles: int = DEFAULT_ARTICLES,
    min_confidence: float = MIN_CONFIDENCE,
    backend: str = "auto",
) -> Recommendation:
    """Recommendation for `text` from the serving copy the settings name: resolved tickets
    and knowledge-base sections."""
    settings = settings or get_settings()
    normalized = normalize_text(text)
    if not normalized:
        raise ValueError("cannot recommend a resolution: the text is empty")
    if k < 1 or k_articles < 0:
        raise ValueError(f"k must be at least 1 and k_articles at least 0, got {k}, {k_articles}")
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence must be between 0 and 1, got {min_confidence}")
    encoder = load_encoder(backend, settings.models_dir)
    built, articles = _searchable(settings, encoder, with_articles=bool(k_articles))
    vector = encoder.encode([normalized])[0]
    return recommend_from_index(
        built,
        text,
        vector,
        articles=articles,
        k=k,
        k_articles=k_articles,
        min_confidence=min_confidence,
    )


def prepare_indexes(settings: Settings, backend: str = "auto") -> str:
    """Load the encoder and build, or bring up to date, both indexes of the current serving
    copy, so that no request waits for them (the API runs this at start and after each new
    copy). Returns what is indexed; ServingCopyMissing or NothingToSearch when nothing is."""
    built, articles = _searchable(settings, load_encoder(backend, settings.models_dir))
    indexed = [f"{len(built.tickets):,} resolved tickets"] if built else []
    if articles is not None and articles.index is not None:
        indexed.append(f"{len(articles.chunks):,} knowledge-base sections")
    return " and ".join(indexed)


def _searchable(
    settings: Settings, encoder, *, with_articles: bool = True
) -> tuple[ResolvedIndex | None, ArticleIndex | None]:
    """The resolved tickets' index (None before the first embedding) and, when asked for,
    the knowledge base's; NothingToSearch when neither has anything to search."""
    built: ResolvedIndex | None
    try:
        built = resolved_index(settings, encoder.embedding_model)
    except NothingToSearch as no_tickets:
        built, missing_tickets = None, no_tickets
    articles = article_index(settings, encoder) if with_articles else None
    if built is None and (articles is None or articles.index is None):
        raise NothingToSearch(f"{missing_tickets}; and the knowledge base is empty") from None
    return built, articles
