"""Translate a freshly loaded file's values into our vocabulary, inside its load transaction.

Runs on the rows of one load in raw.<source>, after they are inserted and numbered:

- `values` tables of the mapping: each value is replaced by its translation; a value the table
  lacks stays as the file wrote it (dbt then flags it invalid, or unknown for categories and
  queues) and is counted in the load's notes. What each distinct file value became is kept in
  raw.value_translations, so the file's own vocabulary stays on record;
- `timestamp_format`: *_at columns in that format are rewritten as ISO 8601 text;
- ticket ids: a ticket file without a ticket id column gets one id per row, deterministic
  from its content hash and line (`tickets-<sha256[:12]>-<line>`); staging flags those ids
  as generated.

Translating here rather than in dbt keeps one vocabulary in raw whatever the file: every model
and the training code read the same values, and the mapping of each load is on record.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import duckdb

from supportlake.mapping import SourceMapping
from supportlake.sources import TICKETS, Source
from supportlake.warehouse import one_row

GENERATED_ID_PREFIX = "tickets-"
ISO_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
_SHOWN_VALUES = 3  # untranslated values quoted in a note


def generated_ticket_id_sql(sha256: str) -> str:
    """The generated id of a row as SQL over `_row_number` (see stg_helpdesk__tickets)."""
    return f"'{GENERATED_ID_PREFIX}{sha256[:12]}-' || _row_number"


def translate_loaded_rows(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    load_id: str,
    sha256: str,
    selected: Iterable[str],
    mapping: SourceMapping | None,
) -> list[str]:
    """Translate the load's rows in place; return one note per change worth telling."""
    selected = set(selected)
    notes: list[str] = []
    translated: list[str] = []
    warnings: list[str] = []
    if mapping is not None:
        if mapping.timestamp_format:
            for column in (c for c in source.columns if c.endswith("_at") and c in selected):
                warnings += _reformat_timestamps(connection, source, load_id, column, mapping)
        for column, table in mapping.values.items():
            if column in selected and table:
                counts = _translate_column(connection, source, load_id, column, mapping)
                translated += _describe_translated(column, counts)
                warnings += _describe_untranslated(column, counts)
    if translated:
        notes.append(f"values translated: {', '.join(translated)}")
    notes += warnings
    if source.name == TICKETS.name and "ticket_id" not in selected:
        generated = one_row(
            connection.execute(
                f"update {source.table} set ticket_id = {generated_ticket_id_sql(sha256)} "
                "where _load_id = ? and ticket_id is null",
                [load_id],
            )
        )[0]
        if generated:
            notes.append(
                f"ticket_id: {generated:,} ids generated (the file has no ticket id column; "
                "marts.tickets.is_ticket_id_generated)"
            )
    return notes


def _translate_column(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    load_id: str,
    column: str,
    mapping: SourceMapping,
) -> list[tuple]:
    """Record and translate one column; (file value, loaded value, translated, rows) back."""
    table = mapping.values[column]
    keys = f"value_keys_{load_id.replace('-', '_')}"
    connection.execute(
        f"create or replace temp table {keys} "
        "(match_key varchar, loaded_value varchar, ordinal integer)"
    )
    try:
        connection.executemany(
            f"insert into {keys} values (?, ?, ?)",
            [[key, value, ordinal] for ordinal, (key, value) in enumerate(table.items())],
        )
        picked = _picked_sql(source, column, keys, mapping.separators.get(column))
        # The record first (it needs the file's values), then the rewrite.
        counts = connection.execute(
            f"""
            insert into raw.value_translations
            select ?, ?, file_value, loaded_value, is_translated, count(*)
            from ({picked})
            group by all
            returning file_value, loaded_value, is_translated, row_count
            """,
            [load_id, column, load_id],
        ).fetchall()
        connection.execute(
            f"""
            update {source.table} as loaded
            set {column} = picked.loaded_value
            from ({picked}) as picked
            where loaded._load_id = ? and loaded._row_number = picked._row_number
                and picked.is_translated
            """,
            [load_id, load_id],
        )
    finally:
        connection.execute(f"drop table if exists {keys}")
    return counts


def _picked_sql(source: Source, column: str, keys: str, separator: str | None) -> str:
    """(_row_number, file_value, loaded_value, is_translated) per non-blank cell of the load
    (`?`: load id). A list cell takes the entry that comes first in the values table."""
    rows = f"""
        select _row_number, {column} as file_value from {source.table}
        where _load_id = ? and trim({column}) <> ''"""
    if separator is None:
        return f"""
            select rows._row_number, rows.file_value, coalesce(keys.loaded_value,
                case when keys.match_key is null then rows.file_value end) as loaded_value,
                keys.match_key is not null as is_translated
            from ({rows}) as rows
            left join {keys} as keys on keys.match_key = lower(trim(rows.file_value))"""
    entries = f"""
        case when json_valid(file_value) and json_type(file_value) = 'ARRAY'
            then json_extract_string(file_value, '$[*]')
            else string_split(file_value, '{separator.replace("'", "''")}')
        end"""
    return f"""
        with cells as ({rows}),
        entries as (
            select _row_number, lower(trim(unnest({entries}))) as match_key from cells
        ),
        first_match as (
            select entries._row_number, min(keys.ordinal) as ordinal
            from entries inner join {keys} as keys on keys.match_key = entries.match_key
            group by entries._row_number
        )
        select cells._row_number, cells.file_value,
            case when first_match.ordinal is null then cells.file_value
                else keys.loaded_value end as loaded_value,
            first_match.ordinal is not null as is_translated
        from cells
        left join first_match on first_match._row_number = cells._row_number
        left join {keys} as keys on keys.ordinal = first_match.ordinal"""


def _describe_translated(column: str, counts: list[tuple]) -> list[str]:
    """`status 20` or `priority 20 (2 to none)`: how many values the table translated."""
    translated = sum(rows for *_, is_translated, rows in counts if is_translated)
    emptied = sum(rows for _, value, is_translated, rows in counts if is_translated and not value)
    if not translated:
        return []
    return [f"{column} {translated:,}" + (f" ({emptied:,} to none)" if emptied else "")]


def _describe_untranslated(column: str, counts: list[tuple]) -> list[str]:
    missing = sorted(
        ((file_value, rows) for file_value, _, is_translated, rows in counts if not is_translated),
        key=lambda item: (-item[1], item[0]),
    )
    if not missing:
        return []
    total = sum(rows for _, rows in missing)
    shown = ", ".join(f"{value!r} x{rows:,}" for value, rows in missing[:_SHOWN_VALUES])
    more = f" and {len(missing) - _SHOWN_VALUES} more" if len(missing) > _SHOWN_VALUES else ""
    return [
        f"WARNING {column}: {total:,} values not in the mapping, loaded as written ({shown}{more})"
    ]


def _reformat_timestamps(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    load_id: str,
    column: str,
    mapping: SourceMapping,
) -> list[str]:
    fmt = cast(str, mapping.timestamp_format).replace("'", "''")  # called only when it is set
    parsed = f"try_strptime(trim({column}), '{fmt}')"
    connection.execute(
        f"update {source.table} set {column} = strftime({parsed}, '{ISO_TIMESTAMP}') "
        f"where _load_id = ? and {parsed} is not null",
        [load_id],
    )
    # Values in another format stay as written; staging still tries its own formats on them.
    unparsed = one_row(
        connection.execute(
            f"select count(*) from {source.table} where _load_id = ? and trim({column}) <> '' "
            f"and try_cast({column} as timestamp) is null",
            [load_id],
        )
    )[0]
    if not unparsed:
        return []
    return [
        f"WARNING {column}: {unparsed:,} values not in timestamp_format "
        f"{mapping.timestamp_format!r}, loaded as written"
    ]
