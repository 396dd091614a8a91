"""The serving copy: what readers open, so that no reader ever holds the writer's file.

DuckDB lets one process write a file, and any other process that holds it, read-only
included, keeps the writer out. So after each successful build the pipeline copies the marts,
with the documentation dbt wrote on them (persist_docs), into a file of its own
(settings.serving_warehouse) and swaps it in with one rename: a reader that still has the old
copy open keeps reading it, and the next reader gets the new one. BI tools, the dashboard and
the API read this copy; the parquet exports of the marts (lake/exports/marts) stay beside it.

The copy also carries the three `ml` tables that the API's similar-ticket search reads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import duckdb

from supportlake.settings import Settings, get_settings
from supportlake.warehouse import connect, open_warehouse

SERVED_SCHEMA = "marts"
SEARCH_TABLES = ("ticket_embeddings", "ticket_text_hashes", "ticket_clusters")  # schema ml


class ServingCopyMissing(FileNotFoundError):
    """No build has published a serving copy yet."""


@dataclass(frozen=True)
class PublishedCopy:
    path: Path
    tables: int
    commented_columns: int
    seconds: float

    def summary(self) -> str:
        return (
            f"serving copy {self.path}: {self.tables} tables, "
            f"{self.commented_columns} documented columns ({self.seconds:.1f} s)"
        )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _served_relations(source: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(schema, name, comment) of every mart table and of the search tables. The marts that
    are views (the chat CSV contracts, chats and messages) stay out: they exist to be written
    once as CSV by `supportlake export chats`, and copying them would store them as the wide
    tables they avoid; chat_sessions and chat_messages_enriched carry the same data."""
    return source.execute(
        """
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = current_database()
            and (
                schema_name = $marts
                or (schema_name = 'ml' and list_contains($search, table_name))
            )
        order by 1, 2
        """,
        {"marts": SERVED_SCHEMA, "search": list(SEARCH_TABLES)},
    ).fetchall()


def _column_comments(
    source: duckdb.DuckDBPyConnection, schema: str, table: str
) -> list[tuple[str, str]]:
    return source.execute(
        """
        select column_name, comment from duckdb_columns()
        where database_name = current_database() and schema_name = $schema
            and table_name = $table and comment is not null and comment <> ''
        order by column_index
        """,
        {"schema": schema, "table": table},
    ).fetchall()


def serving_path(settings: Settings) -> Path:
    """The serving copy's file (Settings fills it in beside the warehouse when it is unset)."""
    return Path(cast(Path, settings.serving_warehouse))


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def publish_serving_copy(settings: Settings | None = None) -> PublishedCopy:
    """Copy the marts (materialized, with their comments) into a new file and rename it over
    settings.serving_warehouse. Called by run_dbt after every successful build."""
    settings = settings or get_settings()
    started = time.perf_counter()
    target = serving_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(temporary)
    tables = commented = 0
    try:
        with open_warehouse(settings) as source:
            source.execute(f"attach {_literal(str(temporary))} as serving")
            try:
                for schema in sorted({row[0] for row in _served_relations(source)}):
                    source.execute(f"create schema serving.{_quoted(schema)}")
                for schema, name, comment in _served_relations(source):
                    relation = f"{_quoted(schema)}.{_quoted(name)}"
                    source.execute(f"create table serving.{relation} as select * from {relation}")
                    if comment:
                        source.execute(
                            f"comment on table serving.{relation} is {_literal(comment)}"
                        )
                    for column, text in _column_comments(source, schema, name):
                        source.execute(
                            f"comment on column serving.{relation}.{_quoted(column)} "
                            f"is {_literal(text)}"
                        )
                        commented += 1
                    tables += 1
            finally:
                source.execute("detach serving")
        os.replace(temporary, target)  # atomic: readers see the old copy or the new one
    finally:
        _remove(temporary)
    return PublishedCopy(target, tables, commented, time.perf_counter() - started)


def serving_settings(settings: Settings) -> Settings:
    """The same settings with the serving copy as the file to open (read-only)."""
    return settings.model_copy(update={"warehouse": serving_path(settings)})


def connect_serving(settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the serving copy; never the writer's file."""
    settings = settings or get_settings()
    path = serving_path(settings)
    if not path.exists():
        raise ServingCopyMissing(
            f"no serving copy at {path} yet: run `supportlake ingest` and `supportlake build`"
        )
    return connect(serving_settings(settings), read_only=True)


@contextmanager
def open_serving(settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect_serving(settings)
    try:
        yield connection
    finally:
        connection.close()
