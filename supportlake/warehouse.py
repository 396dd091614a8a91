"""The one place that opens the DuckDB warehouse. Connections are short-lived (one writer)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from supportlake.extensions import load_extension, offline_config
from supportlake.settings import Settings, get_settings

# Failures a later attempt can fix (a locked or unreachable file), unlike bad content.
IO_ERRORS = (OSError, duckdb.IOException)


def connect(
    settings: Settings | None = None,
    *,
    read_only: bool = False,
    extensions: tuple[str, ...] = (),
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file offline (the project's extension directory, no downloads) with
    the memory limit applied, and load the named extensions."""
    settings = settings or get_settings()
    path = Path(settings.warehouse)
    if read_only and not path.exists():
        raise FileNotFoundError(
            f"warehouse {path} does not exist yet: run `supportlake ingest` and `supportlake build`"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    config = offline_config(settings) | {"memory_limit": settings.duckdb_memory_limit}
    if settings.duckdb_threads:
        config["threads"] = str(settings.duckdb_threads)
    connection = duckdb.connect(str(path), read_only=read_only, config=config)
    try:
        for name in extensions:
            load_extension(connection, name)
    except Exception:
        connection.close()
        raise
    return connection


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
