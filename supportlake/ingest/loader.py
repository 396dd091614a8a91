"""Load landing files into raw.<source>: one transaction per file with its manifest row and
its quarantine rows, keyed on the file's sha256 so that the same content never loads twice."""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import duckdb

from supportlake.ingest.articles import ArticleReader
from supportlake.ingest.discovery import LandingFile, file_format, plan_ingest
from supportlake.ingest.faults import disk_full, is_disk_full
from supportlake.ingest.readers import (
    CsvReader,
    JsonReader,
    LoadContext,
    ParquetReader,
    Reader,
    ReadError,
    insert_raw_sql,
)
from supportlake.ingest.reload import loads_of_content, retire_loads
from supportlake.ingest.results import EMPTY, FAILED, LOADED, SKIPPED, FileResult, IngestSummary
from supportlake.ingest.values import translate_loaded_rows
from supportlake.mapping import (
    ColumnMapping,
    ColumnPlan,
    MappingError,
    SourceMapping,
    find_sidecar_mapping,
    load_mapping,
    resolve_columns,
)
from supportlake.raw_schema import ensure_raw_schema
from supportlake.settings import Settings, get_settings
from supportlake.sources import Source, get_source
from supportlake.warehouse import IO_ERRORS, one_row, open_warehouse, transaction

# The reader of each file format; articles (markdown, HTML) are JSON records to the loader.
READERS: dict[str, type[Reader]] = {
    "csv": CsvReader,
    "json": JsonReader,
    "jsonl": JsonReader,
    "parquet": ParquetReader,
    "markdown": ArticleReader,
    "html": ArticleReader,
}


def ingest_path(
    path: str | Path | None = None,
    settings: Settings | None = None,
    source: str | None = None,
    mapping: str | Path | ColumnMapping | None = None,
    reload: bool = False,
) -> IngestSummary:
    """Load every new file under `path` (default: the landing folder), one after another;
    with `reload`, load files loaded before once more, retiring their earlier loads."""
    settings = settings or get_settings()
    plan = plan_ingest(path, settings=settings, source=source, mapping=mapping)
    results = [load_file(landing_file, settings, reload=reload) for landing_file in plan.files]
    return IngestSummary(plan.root, settings.warehouse, results, plan.unsupported)


def load_file(
    landing_file: LandingFile, settings: Settings | None = None, *, reload: bool = False
) -> FileResult:
    """Open the warehouse, load one file, close the warehouse (one writer, short-lived)."""
    settings = settings or get_settings()
    try:
        with open_warehouse(settings) as connection:
            return ingest_file(
                connection,
                landing_file.path,
                landing_file.source,
                landing_file.mapping,
                reload=reload,
            )
    except Exception as error:
        # DuckDB reports a full disk as an IO error, or as a failed commit.
        if is_disk_full(error):
            # Raised outside the except block: the report needs no DuckDB objects kept alive.
            problem = disk_full(error, settings.warehouse)
        else:
            raise
    raise problem from None


def ingest_file(
    connection: duckdb.DuckDBPyConnection,
    file: str | Path,
    source: str | Source,
    mapping: ColumnMapping | SourceMapping | None = None,
    *,
    reload: bool = False,
) -> FileResult:
    """Load one file unless its content was loaded before (with `reload`: load it again and
    retire the earlier loads). Data problems give a `failed` result (recorded in the
    manifest); IO errors propagate so that the caller may retry."""
    started = time.perf_counter()
    path = Path(file)
    source = get_source(source) if isinstance(source, str) else source
    # DuckDB's own bar would fight the command's rich progress bar for the terminal.
    connection.execute("set enable_progress_bar = false")
    ensure_raw_schema(connection)
    sha256, size = file_digest(path)

    previous_loads = loads_of_content(connection, sha256)
    retire = [load_id for load_id, _ in previous_loads] if reload else []
    if previous_loads and not reload:
        previous = previous_loads[0]
        return FileResult(
            path,
            source.name,
            SKIPPED,
            load_id=previous[0],
            message=f"already loaded as load {previous[0]} on {previous[1]:%Y-%m-%d %H:%M:%S} UTC",
            seconds=time.perf_counter() - started,
        )

    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    load_id = f"{loaded_at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
    context = LoadContext(load_id, source, str(path.resolve()), loaded_at)
    result = FileResult(path, source.name, FAILED, load_id=load_id, file_format=file_format(path))
    reader: Reader | None = None
    try:
        source_mapping = _mapping_for(path, source, mapping)
        result.mapping = source_mapping.label if source_mapping else None
        # plan_ingest hands over only files of a known format
        reader = READERS[cast(str, result.file_format)](
            connection, path, source_mapping, load_id.replace("-", "_")
        )
        reader.inspect()
        result.file_format = reader.file_format
        result.message = "; ".join(reader.notes)
        plan = None
        if not reader.is_empty:
            plan = resolve_columns(path.name, reader.columns, source, source_mapping)
            result.ignored_columns = plan.ignored
        _load_atomically(connection, reader, plan, context, result, sha256, size, retire)
    except IO_ERRORS:
        raise
    except Exception as error:  # any other failure fails this file, not the run
        if is_disk_full(error):
            raise  # not the data's fault: the caller names the cause
        result.status = FAILED
        result.rows_read = result.rows_loaded = result.rows_quarantined = 0
        result.message = _describe(error)
        _record_failure(connection, context, result, sha256, size)
    finally:
        if reader is not None:
            reader.cleanup()
    result.seconds = time.perf_counter() - started
    return result


def _load_atomically(
    connection: duckdb.DuckDBPyConnection,
    reader: Reader,
    plan: ColumnPlan | None,
    context: LoadContext,
    result: FileResult,
    sha256: str,
    size: int,
    retire: list[str] | None = None,
) -> None:
    """Raw rows, quarantine rows and the manifest row commit together or not at all; so does
    the retirement of the loads a reload replaces."""
    with transaction(connection):
        if retire:
            removed = retire_loads(connection, retire, context.load_id)
            noun = "load" if len(retire) == 1 else "loads"
            note = f"reload: retired {noun} {', '.join(retire)} ({removed:,} rows)"
            result.message = f"{result.message}; {note}" if result.message else note
        if plan is not None:
            insert = insert_raw_sql(context.source, plan, reader.select_sql(plan))
            result.rows_loaded = one_row(connection.execute(insert, context.lineage_params()))[0]
            result.rows_quarantined = insert_quarantine(
                connection, reader.quarantine_sql(plan), context
            )
            reader.renumber(context.source.table, context.load_id, result.rows_quarantined)
            # The mapping's value tables and generated ids, on the rows as numbered above.
            notes = translate_loaded_rows(
                connection, context.source, context.load_id, sha256, plan.selected, reader.mapping
            )
            result.message = "; ".join(filter(None, [result.message, *notes]))
        result.rows_read = result.rows_loaded + result.rows_quarantined
        _check_count(reader, result)
        result.status = EMPTY if result.rows_read == 0 else LOADED
        _insert_manifest(connection, context, result, sha256, size)
    result.retired = list(retire or [])


def _check_count(reader: Reader, result: FileResult) -> None:
    """Fail the file when the reader returned another number of records than the file holds
    (counted apart from it): a record must never vanish between the file and the warehouse."""
    expected = reader.expected_records
    if expected is None or result.rows_read == expected:
        return
    raise ReadError(
        f"the file holds {expected:,} records but the reader returned {result.rows_read:,} "
        f"({result.rows_loaded:,} loaded, {result.rows_quarantined:,} quarantined): nothing "
        "was loaded, so that no record goes missing"
    )


def insert_quarantine(
    connection: duckdb.DuckDBPyConnection, select_sql: str | None, context: LoadContext
) -> int:
    """Insert the reader's (row_number, field, reason, raw_record) rows; return how many."""
    if select_sql is None:
        return 0
    return one_row(
        connection.execute(
            f"""
            insert into raw.quarantine
            select ?, ?, ?, row_number, field, reason, raw_record, ?
            from ({select_sql}) as rejected(row_number, field, reason, raw_record)
            """,
            context.quarantine_params(),
        )
    )[0]


def _insert_manifest(
    connection: duckdb.DuckDBPyConnection,
    context: LoadContext,
    result: FileResult,
    sha256: str,
    size: int,
) -> None:
    connection.execute(
        "insert into raw.load_manifest values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            context.load_id,
            context.source.name,
            context.source_file,
            sha256,
            size,
            result.file_format or "unknown",
            result.mapping,
            result.status,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            json.dumps(result.ignored_columns) if result.ignored_columns else None,
            result.message or None,
            context.loaded_at,
        ],
    )


def _record_failure(
    connection: duckdb.DuckDBPyConnection,
    context: LoadContext,
    result: FileResult,
    sha256: str,
    size: int,
) -> None:
    with transaction(connection):
        _insert_manifest(connection, context, result, sha256, size)


def _mapping_for(
    path: Path, source: Source, mapping: ColumnMapping | SourceMapping | None
) -> SourceMapping | None:
    """The given mapping when it covers this source, else a sidecar next to the file."""
    if isinstance(mapping, SourceMapping):
        return mapping
    if mapping is not None and (section := mapping.for_source(source.name)) is not None:
        return section
    sidecar = find_sidecar_mapping(path)
    return load_mapping(sidecar).for_source(source.name) if sidecar else None


def _describe(error: Exception) -> str:
    if isinstance(error, MappingError | ValueError) and not isinstance(error, duckdb.Error):
        return str(error)
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"


def file_digest(path: Path) -> tuple[str, int]:
    """sha256 of the file's bytes, and its size."""
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
    return digest.hexdigest(), path.stat().st_size
