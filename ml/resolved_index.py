"""The hybrid index over past resolved tickets, read from the serving copy.

One document per distinct normalised text (many tickets repeat a text word for word), shown
as its latest resolved ticket; BM25 indexes that text, dense search uses its stored
embedding (ml.ticket_embeddings). It is read from the serving copy only, through a read-only
connection the caller opens: the writer's file is never held.

supportlake.assist caches the index per process and rebuilds it when a build publishes a new
serving copy (its file changes), so it follows the data without a separate refresh step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from ml.embeddings import arrow_to_vectors, text_sql
from ml.retrieval import HybridIndex
from supportlake.settings import Settings


class NothingToSearch(LookupError):
    """The serving copy has no resolved tickets with embeddings yet."""


@dataclass(frozen=True)
class ResolvedTicket:
    ticket_id: str
    subject: str | None
    message: str | None
    category: str | None
    product_line: str | None
    queue: str | None
    priority: str | None
    status: str | None
    resolved_at: datetime | None
    resolution_minutes: float | None
    satisfaction_score: int | None
    is_reopened: bool | None
    same_text_tickets: int  # resolved tickets sharing this exact text

    def to_dict(self) -> dict:
        return asdict(self)

    def how_resolved(self) -> str:
        """One line: the outcome, where and how fast, and whether it stayed resolved."""
        parts = [self.status or "Resolved"]
        if self.queue:
            parts.append(f"by the {self.queue} queue")
        if self.category:
            parts.append(f"as {self.category}")
        if self.resolution_minutes is not None:
            parts.append(f"in {self.resolution_minutes / 60:.1f} h")
        line = " ".join(parts)
        if self.is_reopened:
            line += " (reopened before it was resolved)"
        if self.satisfaction_score is not None:
            line += f"; CSAT {self.satisfaction_score}/5"
        return line


class TicketRows(Mapping[str, ResolvedTicket]):
    """The resolved tickets' columns kept as one Arrow table, a ResolvedTicket made only for
    the tickets a search returns: at 1M tickets, Python objects for all of them held about a
    gigabyte and took seconds to make."""

    def __init__(self, table: pa.Table) -> None:
        self._table = table.combine_chunks()
        self._rows = {
            ticket_id: row for row, ticket_id in enumerate(table["ticket_id"].to_pylist())
        }

    def __getitem__(self, ticket_id: str) -> ResolvedTicket:
        [row] = self._table.slice(self._rows[ticket_id], 1).to_pylist()
        return ResolvedTicket(**row)

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


@dataclass
class ResolvedIndex:
    index: HybridIndex
    tickets: Mapping[str, ResolvedTicket]
    embedding_model: str
    source: Path
    missing_embeddings: int  # resolved texts not embedded yet: neither method sees them


def _fetch(connection, embedding_model: str):
    has_embeddings = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'ml' and table_name in ('ticket_embeddings', 'ticket_text_hashes')"
    ).fetchone()[0]
    if has_embeddings < 2:
        raise NothingToSearch(
            "no ticket embeddings in the serving copy yet: run `supportlake topics` (or "
            "`supportlake embed`) and `supportlake build` first"
        )
    return connection.execute(
        f"""
        with resolved as (
            select tickets.*, hashes.text_hash,
                {text_sql("tickets.subject", "tickets.message")} as ticket_text,
                count(*) over (partition by hashes.text_hash) as same_text_tickets
            from marts.tickets as tickets
            inner join ml.ticket_text_hashes as hashes on tickets.ticket_id = hashes.ticket_id
            where tickets.is_resolved
            qualify row_number() over (
                partition by hashes.text_hash
                order by tickets.resolved_at desc nulls last, tickets.ticket_id
            ) = 1
        )
        select
            resolved.ticket_id, resolved.subject, resolved.message, resolved.category,
            resolved.product_line, resolved.queue, resolved.priority, resolved.status,
            resolved.resolved_at, resolved.resolution_minutes, resolved.satisfaction_score,
            resolved.is_reopened, resolved.same_text_tickets, resolved.ticket_text,
            embeddings.embedding
        from resolved
        left join ml.ticket_embeddings as embeddings
            on resolved.text_hash = embeddings.text_hash
            and embeddings.embedding_model = $model
        order by resolved.ticket_id
        """,
        {"model": embedding_model},
    ).to_arrow_table()


def build_resolved_index(
    connection: duckdb.DuckDBPyConnection, embedding_model: str, settings: Settings, source: Path
) -> ResolvedIndex:
    """Read the resolved tickets and their vectors through `connection` (open read-only on
    the serving copy at `source`) and index them."""
    table = _fetch(connection, embedding_model)
    resolved = table.num_rows
    if table["embedding"].null_count:  # filter() copies every column: only when it must
        table = table.filter(table["embedding"].is_valid())
    if table.num_rows == 0:
        raise NothingToSearch(
            f"none of the {resolved} resolved tickets in the serving copy has an "
            f"{embedding_model} embedding yet: run `supportlake topics` and `supportlake build`"
        )
    ids = table["ticket_id"].to_pylist()
    texts = table["ticket_text"].to_pylist()
    vectors = np.asarray(arrow_to_vectors(table["embedding"]))
    tickets = TicketRows(table.drop_columns(["ticket_text", "embedding"]))
    del table  # the texts and vectors go to the index; the Arrow copies can go now
    index = HybridIndex(ids, texts, vectors, settings)
    return ResolvedIndex(index, tickets, embedding_model, source, resolved - len(ids))
