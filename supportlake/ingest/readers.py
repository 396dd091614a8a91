"""Per-format readers: DuckDB's own CSV / JSON / parquet readers, driven by generated SQL.

Each reader first inspects its file (columns, emptiness; JSON records are staged in a temp
table) outside the load transaction, then hands the loader two statements that run inside it:
the insert into the raw table and the select of quarantined records. Every raw value is text:
typing happens in dbt staging, so a bad value is flagged there instead of failing a load.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from supportlake.encoding import EncodingProblem, detect
from supportlake.extensions import load_extension
from supportlake.ingest.lines import numbered_lines
from supportlake.ingest.records import RecordScan, scan_csv
from supportlake.mapping import ColumnPlan, SourceMapping
from supportlake.sources import LINEAGE_COLUMNS, Source
from supportlake.warehouse import one_row

HEAD_BYTES = 1 << 20  # enough to hold any sane header line
MAX_LINE_BYTES = 16 << 20  # chat exports carry whole conversations in one field
SCAN_BYTES = 16 << 20
# A carriage return that does not end a line (seen in real tweet exports): DuckDB's strict CSV
# parser takes it for a line break and gives up on the whole file.
BARE_CARRIAGE_RETURN = re.compile(rb"\r(?!\n)")
_DELIMITERS = (",", ";", "\t", "|")
_NESTED_TYPES = ("STRUCT", "MAP", "UNION", "[")
_FIELD_COUNT = (
    "regexp_replace(error_message, 'Expected Number of Columns: (\\d+) Found: (\\d+)',"
    " 'wrong number of fields: expected \\1, found \\2')"
)


class ReadError(ValueError):
    """The file as a whole cannot be read (truncated, wrong encoding, not the format it claims)."""


@dataclass(frozen=True)
class LoadContext:
    load_id: str
    source: Source
    source_file: str
    loaded_at: datetime

    def lineage_params(self) -> list[object]:
        return [self.load_id, self.source_file, self.loaded_at]

    def quarantine_params(self) -> list[object]:
        return [self.load_id, self.source.name, self.source_file, self.loaded_at]


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def insert_raw_sql(source: Source, plan: ColumnPlan, select_sql: str) -> str:
    """`select_sql` yields the plan's values, then load id, file, row number, loaded at."""
    columns = ", ".join([*plan.selected, *LINEAGE_COLUMNS])
    return f"insert into {source.table} ({columns}) {select_sql}"


class Reader:
    """Inspect a file, then produce the raw insert and the quarantine select for it."""

    file_format: str

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        path: Path,
        mapping: SourceMapping | None,
        tag: str,
    ) -> None:
        self.connection = connection
        self.path = path
        self.mapping = mapping
        self.tag = tag  # unique per load: names the temp tables
        self.columns: list[str] = []
        self.key_sets: list[set[str]] = []  # JSON only: the distinct key sets of the objects
        self.is_empty = False
        self.read_path = path  # what DuckDB reads: the file, or a repaired copy of it
        self.notes: list[str] = []  # what the reader changed on the way in, for the manifest
        # Records in the file counted apart from the reader that loads them, when known: the
        # loader fails the file when loaded + quarantined differs.
        self.expected_records: int | None = None
        self.scratch: Path | None = None  # folder of repaired copies, removed by cleanup
        self.set_aside_lines: list[int] = []  # CSV: records DuckDB never sees (records.py)
        self.has_blank_lines = False  # CSV: DuckDB counts them as lines but returns no row

    def inspect(self) -> None:
        raise NotImplementedError

    def select_sql(self, plan: ColumnPlan) -> str:
        """The plan's values, then `?` (load id), `?` (file), row number, `?` (loaded at)."""
        raise NotImplementedError

    def quarantine_sql(self, plan: ColumnPlan) -> str | None:
        """Select of (row_number, field, reason, raw_record) for records that did not load."""
        return None

    def renumber(self, table: str, load_id: str, rows_quarantined: int) -> None:
        """Fix the loaded rows' numbers where skipped or quarantined lines left gaps."""

    def cleanup(self) -> None:
        """Drop temp tables; safe to call twice."""


class CsvReader(Reader):
    """read_csv with an explicit dialect (the sniffer gives up on small messy files) and
    store_rejects, so malformed rows land in quarantine with their line number."""

    file_format = "csv"

    def inspect(self) -> None:
        with self.path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        if not head.strip(b"\x00 \t\r\n\xef\xbb\xbf\xff\xfe"):
            self.is_empty = True
            return
        try:
            encoding = detect(head, self.mapping.encoding if self.mapping else None)
        except EncodingProblem as problem:
            raise ReadError(str(problem)) from None
        if encoding.needs_extension:
            load_extension(self.connection, "encodings")
        if encoding.note:
            self.notes.append(encoding.note)
        self.encoding, self.codec = encoding.duckdb, encoding.codec
        self.likely_encoding = encoding.likely
        is_utf16 = self.codec.startswith("utf-16")
        if is_utf16 and len(head) % 2:
            head = head[:-1]
        text = head.decode(self.codec, errors="replace" if is_utf16 else "surrogateescape")
        first_line = text.split("\n", 1)[0]
        self.delimiter = (self.mapping.delimiter if self.mapping else None) or (
            "\t" if self.path.suffix.lower() == ".tsv" else _guess_delimiter(first_line)
        )
        rows = csv.reader(io.StringIO(text), delimiter=self.delimiter)
        header = next(rows, None)
        if header is None or not any(cell.strip() for cell in header):
            self.is_empty = True
            return
        if any("\udc80" <= char <= "\udcff" for char in "".join(header)):
            raise ReadError(
                f"header is not valid {self.encoding}: if the file is in another encoding, "
                "set `encoding:` (cp1252, latin-1, utf-16, ...) in its mapping"
            )
        self.columns = [name.strip() or f"column_{index}" for index, name in enumerate(header, 1)]
        has_rows = any(any(cell.strip() for cell in row) for row in _safe_rows(rows))
        self.is_empty = not has_rows and len(head) < HEAD_BYTES
        if not is_utf16 and _transform_bare_carriage_returns(self.path, None):
            self.read_path = self._scratch_file("carriage-returns")
            with self.read_path.open("wb") as repaired:
                count = _transform_bare_carriage_returns(self.path, repaired)
            self.notes.append(f"{count} carriage returns inside records were read as spaces")
        if not self.is_empty:
            self._count_records()

    def _scratch_file(self, label: str) -> Path:
        if self.scratch is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="supportlake-ingest-"))
        return self.scratch / f"{label}-{self.path.name}"

    def _count_records(self) -> None:
        """Count the records apart from DuckDB and set aside those it would drop or misread
        (see records.py); DuckDB then reads a copy without them."""
        scan = scan_csv(
            self.read_path,
            codec=self.codec,
            delimiter=self.delimiter,
            max_record_bytes=MAX_LINE_BYTES,
        )
        self.expected_records = scan.records
        if scan.set_aside:
            copy = self._scratch_file("records")
            scan_csv(
                self.read_path,
                codec=self.codec,
                delimiter=self.delimiter,
                max_record_bytes=MAX_LINE_BYTES,
                copy_to=copy,
            )
            self.read_path = copy
            self._stage_set_aside(scan)
        if scan.blank_lines:
            self._stage_blank_lines(scan)

    def _stage_set_aside(self, scan: RecordScan) -> None:
        self.set_aside_lines = [record.line for record in scan.set_aside]
        self.connection.execute(
            f"create temp table set_aside_{self.tag} "
            "(line bigint, reason varchar, raw_record varchar)"
        )
        self.connection.executemany(
            f"insert into set_aside_{self.tag} values (?, ?, ?)",
            [[record.line, record.reason, record.raw_record] for record in scan.set_aside],
        )

    def _stage_blank_lines(self, scan: RecordScan) -> None:
        """Blank lines as DuckDB numbers them: in the copy it reads, without set-aside lines."""
        self.has_blank_lines = True
        set_aside = self.set_aside_lines
        copy_lines = [line - bisect.bisect_left(set_aside, line) for line in scan.blank_lines]
        self.connection.execute(f"create temp table blank_{self.tag} (line bigint)")
        self.connection.execute(f"insert into blank_{self.tag} select unnest(?)", [copy_lines])

    def _read_csv(self) -> str:
        columns = ", ".join(f"'c{index}': 'VARCHAR'" for index in range(1, len(self.columns) + 1))
        return (
            f"read_csv({literal(str(self.read_path))}, columns={{{columns}}}, header=true, "
            f"auto_detect=false, delim={literal(self.delimiter)}, quote='\"', escape='\"', "
            f"encoding={literal(self.encoding)}, null_padding=false, "
            f"max_line_size={MAX_LINE_BYTES}, buffer_size={2 * MAX_LINE_BYTES}, "
            f"store_rejects=true, "
            f"rejects_table='rejects_{self.tag}', "
            f"rejects_scan='rejects_scan_{self.tag}')"
        )

    def _internal(self, file_column: str) -> str:
        return f"c{self.columns.index(file_column) + 1}"

    def select_sql(self, plan: ColumnPlan) -> str:
        values = ", ".join(self._internal(column) for column in plan.selected.values())
        # The streaming row_number() keeps file order. DuckDB counts the header as line 1, so
        # the n-th record is line n + 1 until a rejected record or a blank line leaves a gap
        # (renumber).
        return f"select {values}, ?, ?, row_number() over () + 1, ? from {self._read_csv()}"

    def quarantine_sql(self, plan: ColumnPlan) -> str:
        names = "[" + ", ".join(literal(name) for name in self.columns) + "]"
        encoding = literal(self.encoding)
        hint = (
            f"likely {self.likely_encoding}: set `encoding:` in its mapping, then reload it"
            if self.likely_encoding
            else "is the file in another encoding? set `encoding:` in its mapping"
        )
        reason = f"""
            case error_type
                when 'MISSING COLUMNS' then {_FIELD_COUNT}
                when 'TOO MANY COLUMNS' then {_FIELD_COUNT}
                when 'INVALID ENCODING' then 'not valid ' || {encoding} || ' text'
                    || {literal(f" ({hint})")}
                when 'UNQUOTED VALUE' then 'unterminated or stray quote'
                when 'LINE SIZE OVER MAXIMUM' then 'record longer than {MAX_LINE_BYTES} bytes'
                else lower(error_type::varchar) || ': ' || error_message
            end"""
        # DuckDB numbers the lines of what it read: the copy without set-aside records.
        line = self._set_aside_shift("line")
        set_aside = (
            f"union all select line, null, reason, raw_record from set_aside_{self.tag}"
            if self.set_aside_lines
            else ""
        )
        # DuckDB reports a short row once per missing column, and may report one record under
        # several error types: one quarantine row per record, the first failing field named.
        return f"""
            with errors as (
                select line, line_byte_position, error_type,
                    arg_min(error_message, coalesce(column_idx, 0)) as error_message,
                    min(column_name) as column_name,
                    min(csv_line) as csv_line
                from rejects_{self.tag}
                group by all
            ),
            quarantined as (
                select {line} as line, {names}[try_cast(substr(min(column_name), 2) as integer)],
                    string_agg({reason}, '; ' order by error_type),
                    rtrim(ltrim(min(csv_line), E'\\r\\n'), E'\\r\\n')
                from errors
                group by line, line_byte_position
                {set_aside}
            )
            select * from quarantined
            order by line"""

    def renumber(self, table: str, load_id: str, rows_quarantined: int) -> None:
        """Turn the loaded rows' ordinals into line numbers of the file: first past the lines
        DuckDB rejected or skipped as blank, then past the records set aside before DuckDB
        read the file."""
        if not (rows_quarantined or self.has_blank_lines):
            return  # no gaps: the n-th record is line n + 1
        rejected = f"select distinct line from rejects_{self.tag}"
        if self.has_blank_lines:
            rejected += f" union select line from blank_{self.tag}"
        number = _shift("loaded._row_number", rejected)
        if self.set_aside_lines:
            number = self._set_aside_shift(number)
        self.connection.execute(
            f"update {table} as loaded set _row_number = {number} where loaded._load_id = ?",
            [load_id],
        )

    def _set_aside_shift(self, number: str) -> str:
        if not self.set_aside_lines:
            return number
        return _shift(number, f"select line from set_aside_{self.tag}")

    def cleanup(self) -> None:
        tables = ("rejects", "rejects_scan", "set_aside", "blank")
        for table in (f"{name}_{self.tag}" for name in tables):
            self.connection.execute(f"drop table if exists {table}")
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _shift(number: str, gaps: str) -> str:
    """`number` counted among the lines that remain once the lines of `gaps` are taken out, as
    a number among all lines: with gaps g_1 < g_2 < ..., n moves up by #{i: g_i - i < n}."""
    return f"""({number} + (
        select count(*)
        from (select line - row_number() over (order by line) as threshold from ({gaps}))
        where threshold < {number}
    ))"""


class ParquetReader(Reader):
    file_format = "parquet"

    def inspect(self) -> None:
        path = literal(str(self.path))
        try:
            described = self.connection.execute(
                f"describe select * from read_parquet({path})"
            ).fetchall()
            rows = one_row(self.connection.execute(f"select count(*) from read_parquet({path})"))
        except duckdb.IOException:
            raise
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise ReadError(f"not a readable parquet file (truncated?): {first_line}") from None
        self.types = {name: str(column_type) for name, column_type, *_ in described}
        self.columns = list(self.types)
        self.is_empty = rows[0] == 0
        self.expected_records = rows[0]  # the file's own row count, checked after the load

    def select_sql(self, plan: ColumnPlan) -> str:
        values = ", ".join(self._as_text(column) for column in plan.selected.values())
        return (
            f"select {values}, ?, ?, file_row_number + 1, ? "
            f"from read_parquet({literal(str(self.path))}, file_row_number=true)"
        )

    def _as_text(self, column: str) -> str:
        if any(marker in self.types[column] for marker in _NESTED_TYPES):
            return f"to_json({identifier(column)})::varchar"
        return f"{identifier(column)}::varchar"


class JsonReader(Reader):
    """JSON arrays through read_json, JSON lines split in SQL; both staged as one text record
    per row so that a bad line is quarantined with its line number instead of failing the file."""

    file_format = "json"

    def inspect(self) -> None:
        with self.path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
        if not stripped:
            self.is_empty = True
            return
        if self.path.suffix.lower() == ".json" and stripped.startswith(b"["):
            self.file_format = "json"
            self._stage_array()
        else:
            self.file_format = "jsonl"
            self._stage_lines()
        records, self.columns = self._describe_staged()
        self.is_empty = records == 0

    @property
    def staged(self) -> str:
        return f"json_records_{self.tag}"

    def _stage_array(self) -> None:
        try:
            self.connection.execute(f"""
                create temp table {self.staged} as
                with elements as (
                    select row_number() over () as record_number, element::varchar as raw_text
                    from read_json({literal(str(self.path))}, format='array', records=false,
                        columns={{'element': 'JSON'}}, maximum_object_size={MAX_LINE_BYTES})
                )
                -- A JSON null element comes back as SQL NULL: keep it as the text `null`.
                select record_number, coalesce(raw_text, 'null') as raw_text,
                    case when raw_text is null then 'array element is null, not a JSON object'
                        when json_type(raw_text) <> 'OBJECT'
                        then 'array element is not a JSON object but ' || lower(json_type(raw_text))
                    end as reason
                from elements""")
        except duckdb.IOException:
            raise
        except duckdb.Error as error:
            first_line = str(error).splitlines()[0]
            raise ReadError(f"not a valid JSON array (truncated?): {first_line}") from None

    def _stage_lines(self) -> None:
        """One staged record per line, read in blocks (supportlake/ingest/lines.py), so a
        JSON-lines file of any size stays within memory."""
        self.connection.execute(
            f"create temp table {self.staged} "
            "(record_number bigint, raw_text varchar, reason varchar)"
        )
        for batch in numbered_lines(self.path):
            self.connection.register("json_lines_batch", batch)
            try:
                self._stage_batch("json_lines_batch")
            finally:
                self.connection.unregister("json_lines_batch")

    def _stage_batch(self, batch: str) -> None:
        # chr(65279) is a byte-order mark some Windows tools put before the first line.
        self.connection.execute(f"""
            insert into {self.staged}
            with lines as (
                select record_number, bad_bytes,
                    case when record_number = 1 then ltrim(text, chr(65279)) else text end
                        as raw_text
                from (
                    select record_number, bad_bytes,
                        if(suffix(raw_text, E'\\r'), raw_text[:-2], raw_text) as text
                    from {batch}
                )
            )
            select record_number, raw_text,
                case
                    when bad_bytes then 'not valid UTF-8 (bytes shown as \\xNN)'
                    when not json_valid(raw_text) then 'line is not valid JSON'
                    when json_type(raw_text) <> 'OBJECT'
                        then 'line is not a JSON object but ' || lower(json_type(raw_text))
                end as reason
            from lines
            -- blank lines are no records; trim only the short lines that might be blank
            where raw_text <> '' and (length(raw_text) > 32 or trim(raw_text) <> '')""")

    def _describe_staged(self) -> tuple[int, list[str]]:
        """Record count, and the keys of all objects in order of first appearance."""
        records = one_row(self.connection.execute(f"select count(*) from {self.staged}"))[0]
        # Exports repeat a handful of key sets: group on the set before unnesting its keys.
        key_sets = self.connection.execute(f"""
            select json_keys(raw_text) as keys, min(record_number) as first_seen
            from {self.staged}
            where reason is null
            group by keys
            order by first_seen""").fetchall()
        self.key_sets = [set(keys) for keys, _ in key_sets]
        return records, list(dict.fromkeys(key for keys, _ in key_sets for key in keys))

    def _has_mapped_key(self, plan: ColumnPlan) -> str:
        mapped = set(plan.selected.values())
        if all(keys & mapped for keys in self.key_sets):
            return "true"  # the usual case, and it spares parsing every record once more
        keys = "[" + ", ".join(literal(key) for key in plan.selected.values()) + "]"
        return f"list_has_any(json_keys(raw_text), {keys})"

    def select_sql(self, plan: ColumnPlan) -> str:
        paths = ", ".join(literal(_json_path(key)) for key in plan.selected.values())
        values = ", ".join(f"field_values[{index}]" for index in range(1, len(plan.selected) + 1))
        return f"""
            select {values}, ?, ?, record_number, ?
            from (
                select record_number, json_extract_string(raw_text, [{paths}]) as field_values
                from {self.staged}
                where reason is null and {self._has_mapped_key(plan)}
            )
            order by record_number"""

    def quarantine_sql(self, plan: ColumnPlan) -> str:
        keys = ", ".join(plan.selected.values())
        missing = literal(f"JSON object has none of the mapped keys ({keys})")
        return f"""
            select record_number, null, coalesce(reason, {missing}), raw_text
            from {self.staged}
            where reason is not null or not {self._has_mapped_key(plan)}
            order by record_number"""

    def cleanup(self) -> None:
        self.connection.execute(f"drop table if exists {self.staged}")


def _json_path(key: str) -> str:
    return '$."' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _guess_delimiter(line: str) -> str:
    """The candidate that splits the header line into the most fields (ties: comma first)."""
    counts = {
        candidate: len(next(csv.reader([line], delimiter=candidate), []))
        for candidate in _DELIMITERS
    }
    return max(
        _DELIMITERS, key=lambda candidate: (counts[candidate], -_DELIMITERS.index(candidate))
    )


def _safe_rows(rows):
    try:
        yield from rows
    except csv.Error:
        # An unterminated quote in the head: the file has rows, DuckDB judges them later.
        yield ["?"]


def _transform_bare_carriage_returns(path: Path, repaired: io.BufferedWriter | None) -> int:
    """Count the carriage returns in `path` that do not end a line; with `repaired`, also write
    the file there with each of them replaced by a space. Streams in chunks."""
    count = 0
    carry = b""
    with path.open("rb") as handle:
        while chunk := handle.read(SCAN_BYTES):
            data = carry + chunk
            # A CR at the end of a chunk may be the first half of a CRLF: decide next round.
            carry = b"\r" if data.endswith(b"\r") else b""
            body = data[: len(data) - len(carry)]
            if repaired is None:
                count += len(BARE_CARRIAGE_RETURN.findall(body))
                if count:
                    return count
            else:
                body, replaced = BARE_CARRIAGE_RETURN.subn(b" ", body)
                count += replaced
                repaired.write(body)
    if repaired is not None:
        repaired.write(carry)  # a final CR ends the last line
    return count
