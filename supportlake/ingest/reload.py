"""Reloading a file whose content was loaded before (`supportlake ingest --reload FILE`).

A load read with the wrong encoding or mapping stays on record, retired: its rows leave
raw.<source>, raw.quarantine and every other raw table keyed on its load id, and its
manifest row gets status `retired`, counts of 0 (it holds no rows any more, so the
reconciliation balances for it as for the reload) and, in `error`, the id of the load that
replaced it and what it had read. The retirement runs in the new load's transaction, so a
reload that fails leaves the earlier load as it was.
"""

from __future__ import annotations

import duckdb

from supportlake.warehouse import one_row

RETIRED = "retired"
_LOAD_ID_COLUMNS = ("load_id", "_load_id")


def loads_of_content(connection: duckdb.DuckDBPyConnection, sha256: str) -> list[tuple]:
    """(load_id, loaded_at) of the live loads of this content, oldest first."""
    return connection.execute(
        """
        select load_id, loaded_at from raw.load_manifest
        where file_sha256 = ? and status in ('loaded', 'empty')
        order by loaded_at
        """,
        [sha256],
    ).fetchall()


def retire_loads(
    connection: duckdb.DuckDBPyConnection, load_ids: list[str], replaced_by: str
) -> int:
    """Remove the rows of `load_ids` from the raw layer and mark them retired in the manifest;
    return how many raw and quarantine rows left. Runs in the caller's transaction."""
    if not load_ids:
        return 0
    removed = 0
    for table, column in _tables_keyed_on_load_id(connection):
        removed_here = one_row(
            connection.execute(
                f'delete from raw."{table}" where "{column}" in (select unnest(?))', [load_ids]
            )
        )[0]
        if table == "quarantine" or column == "_load_id":  # records, not bookkeeping
            removed += removed_here
    connection.execute(
        """
        update raw.load_manifest
        set status = ?,
            error = concat_ws('; ', error, format(
                'retired: reloaded as load {}; it had read {:d} records '
                || '({:d} loaded, {:d} quarantined)',
                ?, rows_read, rows_loaded, rows_quarantined)),
            rows_read = 0,
            rows_loaded = 0,
            rows_quarantined = 0
        where load_id in (select unnest(?))
        """,
        [RETIRED, replaced_by, load_ids],
    )
    return removed


def _tables_keyed_on_load_id(connection: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Raw tables holding rows per load (the source tables, the quarantine, and whatever
    else keys rows on a load id), the manifest excepted."""
    return connection.execute(
        """
        select table_name, column_name
        from information_schema.columns
        where table_catalog = current_database() and table_schema = 'raw'
            and column_name in (select unnest(?)) and table_name <> 'load_manifest'
        order by table_name
        """,
        [list(_LOAD_ID_COLUMNS)],
    ).fetchall()
