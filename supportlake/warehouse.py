"""The one place that opens the DuckDB warehouse. Connections are short-lived (one writer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, cast

import duckdb

from supportlake.catalog import attach as attach_catalog
from supportlake.catalog import uses_ducklake
from supportlake.extensions import load_extension, offline_config
from supportlake.settings import Settings, get_settings
from supportlake.warehouse_lock import open_when_free

# Failures a later attempt can fix (a locked or unreachable file, or a commit that lost to a
# concurrent writer: DuckLake's optimistic concurrency), unlike bad content.
IO_ERRORS = (OSError, duckdb.IOException, duckdb.TransactionException)


def connect(
    settings: Settings | None = None,
    *,
    read_only: bool = False,
    extensions: tuple[str, ...] = (),
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file offline (the project's extension directory, no downloads) with
    the memory limit applied, and load the named extensions."""
    settings = settings or get_settings()
    if uses_ducklake(settings):  # SUPPORTLAKE_CATALOG: many writers, no file lock to wait for
        return _connect_ducklake(settings, read_only=read_only, extensions=extensions)
    path = Path(settings.warehouse)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"warehouse {path} does not exist yet: run `supportlake ingest` and `supportlake build`"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    config = _connection_config(settings)
    if read_only:
        connection = duckdb.connect(str(path), read_only=True, config=config)
    else:  # a writer waits for another process to let go (settings.warehouse_lock_timeout_seconds)
        connection = open_when_free(
            lambda: duckdb.connect(str(path), config=config),
            path,
            settings.warehouse_lock_timeout_seconds,
        )
    return _with_extensions(connection, extensions)


def _with_extensions(
    connection: duckdb.DuckDBPyConnection, extensions: tuple[str, ...]
) -> duckdb.DuckDBPyConnection:
    """The connection with these extensions loaded; closed if one fails to load."""
    try:
        for name in extensions:
            load_extension(connection, name)
    except Exception:
        connection.close()
        raise
    return connection


def _connection_config(settings: Settings) -> dict[str, Any]:
    """Offline (the project's extension directory), with the memory limit and threads set."""
    config = offline_config(settings)
    config["memory_limit"] = settings.duckdb_memory_limit
    if settings.duckdb_threads:
        config["threads"] = str(settings.duckdb_threads)
    return config


def _connect_ducklake(
    settings: Settings, *, read_only: bool, extensions: tuple[str, ...]
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the DuckLake catalog attached as its default database;
    readers see settings.catalog_as_of's snapshot when one is set."""
    config = _connection_config(settings)
    connection = duckdb.connect(config=config)
    try:
        as_of = settings.catalog_as_of if read_only else None
        attach_catalog(connection, settings, read_only=read_only, as_of=as_of)
    except Exception:
        connection.close()
        raise
    return _with_extensions(connection, extensions)


def wait_until_writable(settings: Settings | None = None) -> None:
    """Return once this process can open the warehouse for writing; announce a wait once and
    raise WarehouseLocked (naming the holder's PID) after warehouse_lock_timeout_seconds."""
    connect(settings).close()


@contextmanager
def open_warehouse(
    settings: Settings | None = None,
    *,
    read_only: bool = False,
    extensions: tuple[str, ...] = (),
) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(settings, read_only=read_only, extensions=extensions)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """The block's statements commit together, or not at all when it raises. A rollback that
    fails (DuckDB already ended the transaction, say after a full disk at commit) never
    replaces why the block failed."""
    connection.begin()
    try:
        yield connection
        connection.commit()
    except BaseException:
        with suppress(duckdb.Error):
            connection.rollback()
        raise


def one_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...]:
    """The row of a statement that always returns exactly one (an aggregate without GROUP BY,
    an INSERT's row count): DuckDB types fetchone() as optional for the general case."""
    return cast(tuple[Any, ...], result.fetchone())
