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
from typing import cast

import duckdb
import numpy as np
import pyarrow as pa

from ml.embeddings import arrow_to_vectors, text_sql
from ml.retrieval import HybridIndex
from supportlake.settings import Settings
from supportlake.warehouse import one_row


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

    def add(self, added: pa.Table) -> None:
        """Append rows (the same columns): the table first, then their ids, so a reader never
        finds an id without its row."""
        first = self._table.num_rows
        self._table = pa.concat_tables([self._table, added]).combine_chunks()
        for number, ticket_id in enumerate(added["ticket_id"].to_pylist()):
            self._rows[ticket_id] = first + number

    def remove(self, ticket_ids: list[str]) -> None:
        """Forget rows (they stay in the table, unreachable, until the next full build)."""
        for ticket_id in ticket_ids:
            if self._rows.get(ticket_id) is not None:
                del self._rows[ticket_id]

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
    # ticket_id -> fingerprint of the indexed row (text, details, duplicate count): what
    # update_resolved_index compares with the next serving copy
    fingerprints: dict[str, int]


def _check_embeddings(connection: duckdb.DuckDBPyConnection) -> None:
    (has_embeddings,) = one_row(
        connection.execute(
            "select count(*) from information_schema.tables where table_schema = 'ml' "
            "and table_name in ('ticket_embeddings', 'ticket_text_hashes')"
        )
    )
    if has_embeddings < 2:
        raise NothingToSearch(
            "no ticket embeddings in the serving copy yet: run `supportlake topics` (or "
            "`supportlake embed`) and `supportlake build` first"
        )


# The indexed documents: per distinct text, its latest resolved ticket, with a fingerprint of
# everything shown for it (a later copy can change a detail without changing the text).
RESOLVED = f"""
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
        embeddings.embedding,
        hash(
            resolved.text_hash, resolved.subject, resolved.message, resolved.category,
            resolved.product_line, resolved.queue, resolved.priority, resolved.status,
            resolved.resolved_at, resolved.resolution_minutes, resolved.satisfaction_score,
            resolved.is_reopened, resolved.same_text_tickets
        ) as fingerprint
    from resolved
    left join ml.ticket_embeddings as embeddings
        on resolved.text_hash = embeddings.text_hash
        and embeddings.embedding_model = $model
"""


def _fetch(connection, embedding_model: str, only: list[str] | None = None) -> pa.Table:
    _check_embeddings(connection)
    where = "" if only is None else "where indexed.ticket_id in (select unnest($only))"
    parameters: dict = {"model": embedding_model} | ({} if only is None else {"only": only})
    return connection.execute(
        f"select * from ({RESOLVED}) as indexed {where} order by indexed.ticket_id", parameters
    ).to_arrow_table()


def _fingerprints(connection, embedding_model: str) -> tuple[dict[str, int], int]:
    """ticket_id -> fingerprint of every document with an embedding, and how many have none:
    narrow columns only, no text and no vectors."""
    _check_embeddings(connection)
    rows = connection.execute(
        f"select ticket_id, fingerprint, embedding is not null from ({RESOLVED}) as indexed",
        {"model": embedding_model},
    ).fetchall()
    return {ticket: mark for ticket, mark, embedded in rows if embedded}, sum(
        1 for *_, embedded in rows if not embedded
    )


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
    ids, texts, vectors, details = _documents(table)
    fingerprints = dict(zip(ids, table["fingerprint"].to_pylist(), strict=True))
    del table  # the texts and vectors go to the index; the Arrow copies can go now
    index = HybridIndex(ids, texts, vectors, settings)
    return ResolvedIndex(
        index, TicketRows(details), embedding_model, source, resolved - len(ids), fingerprints
    )


def _documents(table: pa.Table) -> tuple[list[str], list[str], np.ndarray, pa.Table]:
    """ids, texts and vectors for the index, and the details shown with a hit."""
    return (
        table["ticket_id"].to_pylist(),
        table["ticket_text"].to_pylist(),
        np.asarray(arrow_to_vectors(table["embedding"])),
        table.drop_columns(["ticket_text", "embedding", "fingerprint"]),
    )


def update_resolved_index(
    previous: ResolvedIndex, connection: duckdb.DuckDBPyConnection, source: Path
) -> ResolvedIndex:
    """`previous` brought to the serving copy at `source` (open read-only as `connection`):
    only the documents whose fingerprint is new or changed are read (text and vector) and
    indexed; the ones that left are removed. The index and the ticket rows are updated in
    place (ml/retrieval.py lets searches wait for the index) and returned with the new
    copy's figures."""
    current, missing = _fingerprints(connection, previous.embedding_model)
    if not current:
        raise NothingToSearch(
            f"no resolved ticket in the serving copy has an {previous.embedding_model} "
            "embedding yet: run `supportlake topics` and `supportlake build`"
        )
    before = previous.fingerprints
    removed = [ticket for ticket, mark in before.items() if current.get(ticket) != mark]
    added = sorted(ticket for ticket, mark in current.items() if before.get(ticket) != mark)
    tickets = cast(TicketRows, previous.tickets)
    if removed or added:  # a copy that changed no document (a chat-only build) costs a scan
        table = _fetch(connection, previous.embedding_model, only=added)
        table = table.filter(table["embedding"].is_valid())
        ids, texts, vectors, details = _documents(table)
        # Readers of the previous copy may be searching now: their hits must always find
        # their ticket, so rows are added before the index changes and forgotten after.
        replaced = set(ids)
        tickets.add(details)
        previous.index.update(removed, ids, texts, vectors)
        tickets.remove([ticket for ticket in removed if ticket not in replaced])
    return ResolvedIndex(
        previous.index, tickets, previous.embedding_model, source, missing, current
    )
