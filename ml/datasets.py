"""Labelled data for training: any export (CSV, parquet, JSON) or the warehouse's marts.tickets.

Whatever the source, the result is one frame in the ticket schema's names (subject, message,
channel, queue, product_line, created_at, ticket_id when known) plus `label`, so the same
feature pipeline serves a helpdesk export, a Kaggle file and the warehouse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ml.features import CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN
from supportlake.mapping import MappingError, load_mapping, resolve_columns
from supportlake.sources import TICKETS
from supportlake.vocabulary import warehouse_value

LABEL = "label"
ID_COLUMN = "ticket_id"
KEPT_COLUMNS = (ID_COLUMN, *CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN)
READABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".parquet", ".json", ".jsonl", ".ndjson")
WRITABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".json", ".jsonl", ".ndjson")


class DataError(ValueError):
    """A data file or column choice that cannot be used; the message names file and column."""


@dataclass(frozen=True)
class TextSpec:
    """How a file's columns become the ticket schema: recorded with the model for `predict`."""

    text_columns: tuple[str, ...] = ()  # empty: the file has subject and/or message itself
    label_column: str | None = None
    mapping: str | None = None  # YAML path or packaged name, as `supportlake ingest` takes

    def to_dict(self) -> dict:
        return {
            "text_columns": list(self.text_columns),
            "label_column": self.label_column,
            "mapping": self.mapping,
        }

    @classmethod
    def from_dict(cls, data: dict) -> TextSpec:
        return cls(
            text_columns=tuple(data.get("text_columns") or ()),
            label_column=data.get("label_column"),
            mapping=data.get("mapping"),
        )


@dataclass
class LabelledData:
    frame: pd.DataFrame  # ticket-schema columns + `label`
    source: str  # file path or `warehouse:marts.tickets`
    spec: TextSpec
    rows_read: int
    rows_unlabelled: int = 0  # dropped: no label
    corrections_used: int = 0  # labels overridden by human corrections
    notes: list[str] = field(default_factory=list)


def read_table(path: str | Path) -> pd.DataFrame:
    """Read CSV/TSV, parquet or JSON (array or lines) as text columns; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix in (".json", ".jsonl", ".ndjson"):
            lines = suffix != ".json" or path.read_bytes()[:1].strip() not in (b"[", b"")
            return pd.read_json(path, lines=lines, dtype=False)
        if suffix in (".csv", ".tsv", ".txt"):
            return _read_csv(path, sep="\t" if suffix == ".tsv" else None)
    except DataError:
        raise
    except (ValueError, OSError) as error:
        raise DataError(f"{path}: cannot be read as {suffix[1:]}: {error}") from None
    raise DataError(
        f"{path}: unsupported file type {suffix!r} (use {', '.join(READABLE_SUFFIXES)})"
    )


def _read_csv(path: Path, sep: str | None) -> pd.DataFrame:
    options = {"dtype": str, "sep": sep, "engine": "python"}
    try:
        return pd.read_csv(path, encoding="utf-8", **options)
    except UnicodeDecodeError:
        # Exports from older helpdesks are often Windows-1252; latin-1 reads any byte.
        return pd.read_csv(path, encoding="latin-1", **options)
    except pd.errors.ParserError as error:
        raise DataError(f"{path}: malformed CSV: {error}") from None


def normalized_name(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` as the suffix says: .parquet, .csv/.tsv, .json (array) or .jsonl."""
    suffix = path.suffix.lower()
    if suffix not in WRITABLE_SUFFIXES:
        raise DataError(f"{path}: write {', '.join(WRITABLE_SUFFIXES)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif suffix in (".jsonl", ".ndjson"):
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    elif suffix == ".json":
        frame.to_json(path, orient="records", date_format="iso", indent=1)
    else:
        frame.to_csv(path, index=False, sep="\t" if suffix == ".tsv" else ",")


def to_ticket_schema(raw: pd.DataFrame, spec: TextSpec, *, file_name: str) -> pd.DataFrame:
    """Rename by the mapping (or by matching names), then build subject/message from the text."""
    frame = _apply_mapping(raw, spec.mapping, file_name)
    columns = {normalized_name(column): column for column in frame.columns}

    def find(name: str, role: str) -> str:
        if name in frame.columns:
            return name
        if normalized_name(name) in columns:
            return columns[normalized_name(name)]
        # A file column the mapping renamed (--label Topic_group, mapped onto category).
        mapped = frame.attrs.get("mapped_from", {}).get(normalized_name(name))
        if mapped in frame.columns:
            return mapped
        available = ", ".join(map(str, raw.columns))
        raise DataError(f"{file_name}: no {role} column {name!r} (its columns: {available})")

    if spec.text_columns:
        result = _named_text(frame, [find(name, "text") for name in spec.text_columns])
    else:
        result = _subject_and_message(frame, columns, raw, file_name)
    for name in KEPT_COLUMNS:
        if name in columns and name not in result:
            result[name] = frame[columns[name]]
    if spec.label_column:
        label_column = find(spec.label_column, "label")
        # Labels outside the warehouse's valid values (priority levels) are no labels.
        result[LABEL] = frame[label_column].map(
            lambda value: warehouse_value(normalized_name(label_column), value)
        )
    return result.reset_index(drop=True)


def _named_text(frame: pd.DataFrame, text: list[str]) -> pd.DataFrame:
    """One text column is the message; with more, the first is the subject."""
    result = pd.DataFrame(index=frame.index)
    if len(text) == 1:
        result["message"] = frame[text[0]]
    else:
        result["subject"] = frame[text[0]]
        result["message"] = _join_text(frame[text[1:]])
    return result


def _subject_and_message(
    frame: pd.DataFrame, columns: dict[str, str], raw: pd.DataFrame, file_name: str
) -> pd.DataFrame:
    """The file's own subject and/or message columns, or a clear error naming its columns."""
    result = pd.DataFrame(index=frame.index)
    for name in ("subject", "message"):
        if name in columns:
            result[name] = frame[columns[name]]
    if not len(result.columns):
        available = ", ".join(map(str, raw.columns))
        raise DataError(
            f"{file_name}: no subject or message column; name the text with --text "
            f"(its columns: {available})"
        )
    return result


def _join_text(frame: pd.DataFrame) -> pd.Series:
    return frame.apply(
        lambda row: "\n".join(str(value) for value in row if pd.notna(value) and str(value)),
        axis=1,
    )


def _apply_mapping(raw: pd.DataFrame, mapping: str | None, file_name: str) -> pd.DataFrame:
    if not mapping:
        return raw
    try:
        section = load_mapping(mapping).for_source(TICKETS.name)
        plan = resolve_columns(file_name, [str(column) for column in raw.columns], TICKETS, section)
    except MappingError as error:
        raise DataError(str(error)) from None
    renamed = raw.rename(columns={source: target for target, source in plan.selected.items()})
    renamed.attrs["mapped_from"] = {
        normalized_name(source): target for target, source in plan.selected.items()
    }
    # The mapping's value tables as the ingest applies them: Zendesk's `Normal` is Medium in
    # training as in the warehouse.
    if section is None:
        return renamed
    for column in set(plan.selected) & set(section.values):
        renamed[column] = renamed[column].map(
            lambda value, column=column: (
                section.translate(column, value)[0] if isinstance(value, str) else value
            )
        )
    return renamed


def normalize_labels(labels: pd.Series) -> pd.Series:
    """Trim and collapse spaces; spellings that differ only in case take the most common one."""
    text = labels.astype("string").str.strip().str.replace(r"\s+", " ", regex=True)
    text = text.mask(text.eq("") | text.str.lower().isin(["nan", "null", "none", "n/a"]))
    present = text.dropna()
    if present.empty:
        return text.astype(object)
    canonical = (
        present.groupby(present.str.lower()).agg(lambda values: values.value_counts().index[0])
    ).to_dict()
    return text.map(lambda value: canonical[value.lower()] if pd.notna(value) else None).astype(
        object
    )


def load_labelled_file(path: str | Path, spec: TextSpec) -> LabelledData:
    """A labelled export as read; `finish_labels` drops rows left without a label."""
    if not spec.label_column:
        raise DataError(f"{path}: name the label column with --label")
    raw = read_table(path)
    frame = to_ticket_schema(raw, spec, file_name=str(path))
    return LabelledData(frame, str(path), spec, rows_read=len(raw))


def load_unlabelled_file(path: str | Path, spec: TextSpec) -> pd.DataFrame:
    """An export to predict on: the ticket-schema frame, every row kept in order."""
    raw = read_table(path)
    return to_ticket_schema(
        raw, TextSpec(spec.text_columns, None, spec.mapping), file_name=str(path)
    )


def _labelled(frame: pd.DataFrame, source: str, spec: TextSpec, rows_read: int) -> LabelledData:
    frame = frame.copy()
    frame[LABEL] = normalize_labels(frame[LABEL])
    unlabelled = int(frame[LABEL].isna().sum())
    frame = frame[frame[LABEL].notna()].reset_index(drop=True)
    return LabelledData(frame, source, spec, rows_read=rows_read, rows_unlabelled=unlabelled)


def require_marts_tickets(connection: duckdb.DuckDBPyConnection) -> None:
    """A clear error instead of DuckDB's catalog error when the mart was never built."""
    found = connection.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'tickets'"
    ).fetchall()[0][0]
    if not found:
        raise DataError(
            "the warehouse has no marts.tickets yet: run `supportlake ingest` and "
            "`supportlake build` first"
        )


WAREHOUSE_SOURCE = "warehouse:marts.tickets"
WAREHOUSE_TASKS = ("category", "priority")


def task_name_for(label_column: str, data: Path | None) -> str:
    """The label's name; a file's `category`/`priority` model gets the file's name in front,
    so an outside export never replaces the model that scores the warehouse's tickets."""
    name = normalized_name(label_column) or "label"
    if data is not None and name in WAREHOUSE_TASKS:
        name = f"{normalized_name(Path(data).stem) or 'file'}_{name}"
    return name


def load_labelled_warehouse(
    connection: duckdb.DuckDBPyConnection,
    task: str,
    *,
    max_rows: int,
    extra_ticket_ids: list[str] | None = None,
) -> LabelledData:
    """marts.tickets rows with a recorded `task` label (a deterministic sample of at most
    `max_rows`), plus every ticket in `extra_ticket_ids` (corrected ones) whatever its label."""
    if task not in WAREHOUSE_TASKS:
        labels = ", ".join(WAREHOUSE_TASKS)
        raise DataError(f"marts.tickets has labels for {labels}, not {task!r}; use --data FILE")
    columns = ", ".join(["ticket_id", "subject", "message", *CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN])
    require_marts_tickets(connection)
    extra = pd.DataFrame({"ticket_id": pd.Series(extra_ticket_ids or [], dtype=object)})
    connection.register("corrected_ticket_ids", extra)
    try:
        total = connection.execute(
            f"select count(*) from marts.tickets where {task} is not null"
        ).fetchall()[0][0]
        # hash(ticket_id) orders rows pseudo-randomly but the same way on every run. The union
        # is ordered again: its own output order follows DuckDB's threads, and the row order
        # decides the folds, the holdout and the data hash (the same demo trained other models).
        frame = connection.execute(
            f"""
            select * from (
                select {columns}, {task} as label from (
                    select * from marts.tickets where {task} is not null
                    order by hash(ticket_id) limit {int(max_rows)}
                )
                union
                select {columns}, {task} as label from marts.tickets
                where ticket_id in (select ticket_id from corrected_ticket_ids)
            )
            order by hash(ticket_id), ticket_id
            """
        ).fetchdf()
    finally:
        connection.unregister("corrected_ticket_ids")
    spec = TextSpec(("subject", "message"), task, None)
    data = LabelledData(frame, WAREHOUSE_SOURCE, spec, rows_read=len(frame))
    if total > max_rows:
        data.notes.append(f"sampled {max_rows:,} of {total:,} labelled tickets")
    return data


def finish_labels(data: LabelledData) -> LabelledData:
    """Normalize labels and drop the rows left without one (after corrections applied)."""
    finished = _labelled(data.frame, data.source, data.spec, data.rows_read)
    finished.rows_unlabelled += data.rows_unlabelled
    finished.corrections_used = data.corrections_used
    finished.notes = data.notes
    return finished
