"""DuckLake: the second storage backend, for several writers and readers at once.

With SUPPORTLAKE_CATALOG set, every connection is an in-memory DuckDB that ATTACHes the DuckLake
catalog (a local `.ducklake` file, or a PostgreSQL database) as `lake` and makes it the
default database, so the same SQL (`raw.tickets`, `marts.tickets`) reads and writes it. The
data are parquet files under lake/ducklake. DuckLake commits optimistically: two writers that
touch the same table conflict at commit, and `retry_on_conflict` runs the loser again.
Every commit is a snapshot; `snapshots()` lists them and a reader can attach as of one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TypeVar, cast

import duckdb

from supportlake.extensions import load_extension
from supportlake.settings import Settings

CATALOG_ALIAS = "lake"
# DuckLake's commit-time conflicts (another writer changed the same table or schema first).
CONFLICT_MARKERS = ("conflict", "concurrent", "transaction")

T = TypeVar("T")


class CatalogMissing(FileNotFoundError):
    """A reader asked for a DuckLake catalog file that no writer has created yet."""


@dataclass(frozen=True)
class Snapshot:
    snapshot_id: int
    taken_at: datetime
    changes: str  # DuckLake's own summary, e.g. "tables_inserted_into: [raw.tickets]"


def uses_ducklake(settings: Settings) -> bool:
    return bool(settings.catalog)


def data_path(settings: Settings) -> Path:
    return Path(settings.lake).resolve() / "ducklake"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def catalog_file(settings: Settings) -> Path | None:
    """The local catalog file, or None for a PostgreSQL catalog."""
    rest = (settings.catalog or "").removeprefix("ducklake:")
    return None if rest.startswith("postgres:") else Path(rest)


def _as_of_option(as_of: str) -> str:
    """A snapshot id (digits) or anything DuckDB reads as a timestamp."""
    if as_of.strip().isdigit():
        return f"snapshot_version {int(as_of)}"
    return f"snapshot_time {_literal(as_of)}"


def attach(
    connection: duckdb.DuckDBPyConnection,
    settings: Settings,
    *,
    read_only: bool = False,
    as_of: str | None = None,
) -> None:
    """ATTACH the catalog as `lake` and USE it. A reader with as_of sees that snapshot."""
    file = catalog_file(settings)
    if file is None:
        load_extension(connection, "postgres_scanner")
    elif read_only and not file.exists():
        raise CatalogMissing(
            f"DuckLake catalog {file} does not exist yet: run `supportlake ingest` and "
            "`supportlake build` with SUPPORTLAKE_CATALOG set"
        )
    else:
        file.parent.mkdir(parents=True, exist_ok=True)
    load_extension(connection, "ducklake")
    folder = data_path(settings)
    folder.mkdir(parents=True, exist_ok=True)
    options = [f"data_path {_literal(str(folder) + '/')}"]
    if read_only or as_of:
        options.append("read_only")
    if as_of:
        options.append(_as_of_option(as_of))
    # attach runs only with a catalog set (uses_ducklake)
    statement = (
        f"attach {_literal(cast(str, settings.catalog))} as {CATALOG_ALIAS} ({', '.join(options)})"
    )
    # Two processes attaching a new catalog at once both try to create its tables: the loser
    # fails "to initialize DuckLake" and finds the winner's catalog on its next try.
    retry_on_conflict(lambda: connection.execute(statement), markers=("initialize",))
    connection.execute(f"use {CATALOG_ALIAS}")


def is_conflict(error: BaseException, markers: tuple[str, ...] = CONFLICT_MARKERS) -> bool:
    text = str(error).lower()
    return isinstance(error, duckdb.Error) and any(marker in text for marker in markers)


def retry_on_conflict(
    work: Callable[[], T],
    *,
    attempts: int = 8,
    first_wait: float = 0.2,
    markers: tuple[str, ...] = CONFLICT_MARKERS,
) -> T:
    """Run `work` (one whole transaction) again when DuckLake reports a commit conflict,
    waiting a little longer (with jitter) each time; any other error is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except duckdb.Error as error:
            if attempt == attempts or not is_conflict(error, markers):
                raise
            time.sleep(first_wait * 2 ** (attempt - 1) * (0.5 + random.random()))
    raise AssertionError("unreachable")


def snapshots(connection: duckdb.DuckDBPyConnection) -> list[Snapshot]:
    """Every snapshot of the attached catalog, oldest first."""
    rows = connection.execute(
        "select snapshot_id, snapshot_time, changes "
        f"from ducklake_snapshots({_literal(CATALOG_ALIAS)}) order by snapshot_id"
    ).fetchall()
    return [Snapshot(int(row[0]), row[1], _changes_text(row[2])) for row in rows]


def _changes_text(changes) -> str:
    if not changes:
        return ""
    if isinstance(changes, dict):
        return "; ".join(f"{key}: {', '.join(map(str, value))}" for key, value in changes.items())
    return str(changes)


def is_ducklake(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's default database is a DuckLake catalog."""
    row = connection.execute(
        "select type from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


def table_ddl(connection: duckdb.DuckDBPyConnection, ddl: str) -> str:
    """DuckLake has no PRIMARY KEY/UNIQUE constraints: there, the writer keeps keys unique
    (the load manifest's load ids are fresh uuids; built loads are inserted if absent)."""
    if not is_ducklake(connection):
        return ddl
    return ddl.replace(" primary key", "").replace(" unique", "")


def as_of(settings: Settings, snapshot: str | None) -> Settings:
    """The settings whose readers see the catalog as of `snapshot` (an id or a timestamp);
    the single-file warehouse keeps no history, so asking it for one is an error."""
    if not snapshot:
        return settings
    if not uses_ducklake(settings):
        raise ValueError(
            "--as-of needs a DuckLake catalog (SUPPORTLAKE_CATALOG): the single-file "
            "warehouse keeps no snapshots"
        )
    return settings.model_copy(update={"catalog_as_of": snapshot})
