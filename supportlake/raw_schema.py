"""DDL of the raw layer: one VARCHAR table per landing source, the load manifest, the quarantine.

dbt declares all of these as sources; only the ingest flow writes them.
"""

from __future__ import annotations

import duckdb

from supportlake.catalog import table_ddl
from supportlake.sources import SOURCES, Source

MANIFEST_DDL = """
create table if not exists raw.load_manifest (
    load_id varchar primary key,       -- one per (file, load attempt); lineage key in raw tables
    source varchar not null,           -- landing source: tickets, chats, ...
    source_file varchar not null,      -- path of the file as it was loaded
    file_sha256 varchar not null,      -- content hash: the same content never loads twice
    file_bytes bigint not null,
    file_format varchar not null,      -- csv, json, jsonl, parquet
    mapping varchar,                   -- column mapping applied (name or path), if any
    status varchar not null,           -- loaded | empty | failed
    rows_read bigint not null,         -- records found in the file = rows_loaded + rows_quarantined
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    ignored_columns varchar,           -- JSON array of file columns not mapped onto the source
    error varchar,                     -- why a file failed, or what the reader repaired
    loaded_at timestamp not null
)
"""

QUARANTINE_DDL = """
create table if not exists raw.quarantine (
    load_id varchar not null,
    source varchar not null,
    source_file varchar not null,
    row_number bigint,                 -- 1-based record (CSV: line) number in the file
    field varchar,                     -- column that failed, when known
    reason varchar not null,
    raw_record varchar,                -- the record's text as read, for replay
    quarantined_at timestamp not null
)
"""

# What a mapping's `values` tables made of each distinct file value, per load
# (supportlake/ingest/values.py): the file's own vocabulary stays on record.
VALUE_TRANSLATIONS_DDL = """
create table if not exists raw.value_translations (
    load_id varchar not null,
    field varchar not null,            -- source column
    file_value varchar not null,       -- the value as the file wrote it
    loaded_value varchar,              -- what the raw table holds (null: the mapping said none)
    is_translated boolean not null,    -- false: not in the mapping, loaded as written
    row_count bigint not null
)
"""


def raw_table_ddl(source: Source) -> str:
    columns = ",\n    ".join(f"{column} varchar" for column in source.columns)
    return f"""
create table if not exists {source.table} (
    {columns},
    _load_id varchar not null,
    _source_file varchar not null,
    _row_number bigint not null,
    _loaded_at timestamp not null
)
"""


def add_missing_columns(connection: duckdb.DuckDBPyConnection, source: Source) -> list[str]:
    """Add the source columns a raw table created by an older version lacks (tickets gained
    updated_at); rows loaded before stay null there. Returns the columns added."""
    existing = {
        name
        for (name,) in connection.execute(
            "select column_name from information_schema.columns "
            "where table_catalog = current_database() and table_schema = 'raw' "
            "and table_name = ?",
            [source.name],
        ).fetchall()
    }
    missing = [column for column in source.columns if column not in existing]
    for column in missing:
        connection.execute(f"alter table {source.table} add column {column} varchar")
    return missing


def ensure_raw_schema(connection: duckdb.DuckDBPyConnection) -> None:
    """Create schema raw and its tables when missing, and add columns a source gained since
    its table was created (idempotent)."""
    connection.execute("create schema if not exists raw")
    connection.execute(table_ddl(connection, MANIFEST_DDL))  # no key constraint on DuckLake
    connection.execute(QUARANTINE_DDL)
    connection.execute(VALUE_TRANSLATIONS_DDL)
    for source in SOURCES.values():
        connection.execute(raw_table_ddl(source))
        add_missing_columns(connection, source)
