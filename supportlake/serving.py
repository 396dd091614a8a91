"""The serving copy: what readers open, so that no reader ever holds the writer's file.

DuckDB lets one process write a file, and any other process that holds it, read-only
included, keeps the writer out. So after each successful build the pipeline copies the marts,
with the documentation dbt wrote on them (persist_docs), into a file of its own
(settings.serving_warehouse) and swaps it in with one rename: a reader that still has the old
copy open keeps reading it, and the next reader gets the new one. BI tools, the dashboard and
the API read this copy; the parquet exports of the marts (lake/exports/marts) stay beside it.

The copy also carries the three `ml` tables that the API's similar-ticket search reads.

A build that names the tables it wrote (`changed`) starts the new copy from the previous one,
copied as a file (the kernel copies bytes; nothing is decoded), and copies only those tables
from the warehouse into it, with the `ml` tables (written by jobs outside dbt): an hourly
refresh that rebuilt a few marts no longer copies every mart.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Collection, Iterator
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
    copied: int | None = None  # tables copied from the warehouse; None: every one

    def summary(self) -> str:
        kept = (
            ""
            if self.copied is None
            else f" ({self.copied} copied, the others kept from the previous copy)"
        )
        return (
            f"serving copy {self.path}: {self.tables} tables{kept}, "
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


def _copy_table(
    source: duckdb.DuckDBPyConnection, schema: str, name: str, comment: str | None
) -> int:
    """Copy one table with its comments into the attached `serving`; returns the commented
    columns."""
    relation = f"{_quoted(schema)}.{_quoted(name)}"
    source.execute(f"drop table if exists serving.{relation}")
    source.execute(f"create table serving.{relation} as select * from {relation}")
    if comment:
        source.execute(f"comment on table serving.{relation} is {_literal(comment)}")
    commented = 0
    for column, text in _column_comments(source, schema, name):
        source.execute(
            f"comment on column serving.{relation}.{_quoted(column)} is {_literal(text)}"
        )
        commented += 1
    return commented


def _start_from_previous(target: Path, temporary: Path) -> bool:
    """Copy the previous serving copy to `temporary`; False when there is none to start from
    (none yet, or one left with a write-ahead log, which a byte copy would not carry)."""
    if not target.exists() or target.with_name(target.name + ".wal").exists():
        return False
    shutil.copyfile(target, temporary)
    return True


def _build_mark(settings: Settings) -> Path:
    target = serving_path(settings)
    return target.with_name(f".{target.name}.building")


def note_build_started(settings: Settings) -> bool:
    """Mark that a build is about to write the marts; True when an earlier build left its mark
    (it failed or was stopped after writing some marts, and no copy published them since):
    then the next copy must take every table, not only what this build writes."""
    mark = _build_mark(settings)
    behind = mark.exists()
    mark.parent.mkdir(parents=True, exist_ok=True)
    mark.touch()
    return behind


def publish_serving_copy(
    settings: Settings | None = None, changed: Collection[str] | None = None
) -> PublishedCopy:
    """Write the marts (materialized, with their comments) and the search tables into a new
    file and rename it over settings.serving_warehouse. Called by run_dbt after every
    successful build. `changed` ("schema.table" names): the tables this build wrote; the new
    file starts as a copy of the previous one and only those (and the search tables, and any
    table the previous copy lacks) are copied from the warehouse. None: every table."""
    settings = settings or get_settings()
    started = time.perf_counter()
    target = serving_path(settings)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    _remove(temporary)
    reused = changed is not None and _start_from_previous(target, temporary)
    wanted = set(changed or ())
    tables = commented = copied = 0
    try:
        with open_warehouse(settings) as source:
            source.execute(f"attach {_literal(str(temporary))} as serving")
            try:
                served = _served_relations(source)
                kept = {
                    (schema, name)
                    for schema, name in source.execute(
                        "select schema_name, table_name from duckdb_tables() "
                        "where database_name = 'serving'"
                    ).fetchall()
                }
                for schema, name in kept - {(schema, name) for schema, name, _ in served}:
                    source.execute(f"drop table serving.{_quoted(schema)}.{_quoted(name)}")
                for schema in sorted({row[0] for row in served}):
                    source.execute(f"create schema if not exists serving.{_quoted(schema)}")
                for schema, name, comment in served:
                    tables += 1
                    if (
                        reused
                        and (schema, name) in kept
                        and schema != "ml"
                        and f"{schema}.{name}" not in wanted
                    ):
                        continue
                    commented += _copy_table(source, schema, name, comment)
                    copied += 1
                if reused:  # the kept tables' documented columns
                    (commented,) = source.execute(
                        "select count(*) from duckdb_columns() where database_name = 'serving' "
                        "and comment is not null and comment <> ''"
                    ).fetchall()[0]
            finally:
                source.execute("detach serving")
        os.replace(temporary, target)  # atomic: readers see the old copy or the new one
        _build_mark(settings).unlink(missing_ok=True)  # the copy has every built table now
    finally:
        _remove(temporary)
    return PublishedCopy(
        target, tables, commented, time.perf_counter() - started, copied if reused else None
    )


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
