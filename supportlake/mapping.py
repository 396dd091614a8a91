"""Mappings: how a foreign export's columns, and the values in them, land on a source's.

A mapping is a small YAML file::

    name: zendesk                 # optional, shown in the manifest
    source: tickets               # optional: apply only to this source
    columns:                      # file column -> source column (null: drop on purpose)
      Id: ticket_id
      Requester id: customer_id   # several file columns on one source column: the first
      Requester: customer_id      #   one the file has wins, the others are ignored
    values:                       # source column -> {file value: our value (null: none)}
      status: {New: Open, Hold: Pending, Solved: Resolved}
    separators:                   # columns holding a list (or a JSON array): the first
      category: " "               #   entry of the values table the list contains wins
    timestamp_format: "%d/%b/%y %I:%M %p"   # strptime format of every *_at column
    sources:                      # optional per-source sections, same keys as the top level
      chats: {columns: {Conversation: conversation_log}}
    delimiter: ";"                # CSV only; default: detected from the header line
    encoding: cp1252              # CSV only: utf-8 (default), utf-16, latin-1, cp1252, ...

Without a mapping a file column whose normalized name (lower case, runs of other characters
as `_`) equals a source column lands there, so `Ticket ID` and `ticket_id` both work.

Values match ignoring case and surrounding spaces. A value of a translated column that its
table lacks is loaded as written and counted (supportlake/ingest/values.py): it is never
turned into NULL behind the user's back.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import cast

import yaml

from supportlake.encoding import CSV_ENCODINGS as ENCODINGS_READ
from supportlake.encoding import canonical as canonical_encoding
from supportlake.sources import SOURCES, Source
from supportlake.vocabulary import valid_values

MAPPING_SUFFIX = ".mapping.yaml"
FOLDER_MAPPING = "_mapping.yaml"
# utf-8, utf-16, latin-1 and common code pages (cp1252, ...): see encoding.py.
CSV_ENCODINGS = ENCODINGS_READ
_SECTION_KEYS = {"columns", "delimiter", "encoding", "values", "separators", "timestamp_format"}
_TOP_KEYS = _SECTION_KEYS | {"name", "description", "source", "sources"}


class MappingError(ValueError):
    """A mapping file that cannot be used, or a file its mapping cannot place."""


@dataclass(frozen=True)
class SourceMapping:
    """The part of a mapping that applies to one source."""

    label: str  # name or path, recorded in the manifest
    columns: dict[str, str | None] = field(default_factory=dict)
    delimiter: str | None = None
    encoding: str | None = None
    # source column -> {match key (value_key of the file value): our value, None = no value}
    values: dict[str, dict[str, str | None]] = field(default_factory=dict)
    separators: dict[str, str] = field(default_factory=dict)  # list columns -> separator
    timestamp_format: str | None = None  # strptime format of the *_at columns

    def translate(self, column: str, text: str | None) -> tuple[str | None, bool]:
        """(value to load, whether the table knew it). Blank and untranslated columns pass
        through as known; a value the table lacks passes through as unknown."""
        table = self.values.get(column)
        if table is None or text is None or not str(text).strip():
            return text, True
        if column in self.separators:
            entries = {value_key(entry) for entry in split_list(str(text), self.separators[column])}
            for key, value in table.items():
                if key in entries:
                    return value, True
            return text, False
        key = value_key(str(text))
        return (table[key], True) if key in table else (text, False)


@dataclass(frozen=True)
class ColumnMapping:
    """A parsed mapping file; `for_source` picks what applies to one source."""

    label: str
    default: SourceMapping | None  # top-level section; None when `source:` excludes others
    default_source: str | None
    per_source: dict[str, SourceMapping] = field(default_factory=dict)

    def for_source(self, source: str) -> SourceMapping | None:
        if source in self.per_source:
            return self.per_source[source]
        if self.default_source is not None and self.default_source != source:
            return None
        return self.default


@dataclass(frozen=True)
class ColumnPlan:
    """Which file column feeds which source column, and which file columns land nowhere."""

    selected: dict[str, str]  # source column -> file column
    ignored: list[str]


def normalize(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")


def value_key(text: str) -> str:
    """How values match a mapping's `values` table: case and surrounding spaces ignored (the
    SQL side in values.py computes the same key with lower(trim(...)))."""
    return text.strip().lower()


def split_list(text: str, separator: str) -> list[str]:
    """Entries of a list cell: a JSON array of strings, else `text` split on `separator`."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            entries = json.loads(stripped)
        except ValueError:
            entries = None
        if isinstance(entries, list):
            return [str(entry) for entry in entries]
    return [entry for entry in stripped.split(separator) if entry.strip()]


def packaged_mappings() -> list[str]:
    folder = resources.files("supportlake") / "mappings"
    return sorted(
        item.name[: -len(".yaml")] for item in folder.iterdir() if item.name.endswith(".yaml")
    )


def load_mapping(spec: str | Path) -> ColumnMapping:
    """Load a mapping from a YAML path or the name of a packaged mapping (`zendesk`)."""
    path = Path(spec)
    if path.is_file():
        return parse_mapping(path.read_text(encoding="utf-8"), label=str(path))
    if str(spec) in packaged_mappings():
        packaged = resources.files("supportlake") / "mappings" / f"{spec}.yaml"
        return parse_mapping(packaged.read_text(encoding="utf-8"), label=str(spec))
    raise MappingError(
        f"mapping {spec!r} is neither a YAML file nor a packaged mapping "
        f"(packaged: {', '.join(packaged_mappings())})"
    )


def parse_mapping(text: str, *, label: str) -> ColumnMapping:
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise MappingError(f"mapping {label}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise MappingError(f"mapping {label}: expected a YAML mapping at the top level")
    _reject_unknown_keys(document, _TOP_KEYS, label)
    label = str(document.get("name") or label)
    default_source = document.get("source")
    if default_source is not None:
        _check_source(default_source, label)
    per_source = {}
    for source, section in (document.get("sources") or {}).items():
        _check_source(source, label)
        if not isinstance(section, dict):
            raise MappingError(f"mapping {label}: sources.{source} must be a mapping")
        _reject_unknown_keys(section, _SECTION_KEYS, f"{label} (sources.{source})")
        per_source[source] = _section(section, label, source)
    default = _section(document, label, default_source)
    return ColumnMapping(label, default, default_source, per_source)


def _section(section: dict, label: str, source: str | None) -> SourceMapping:
    columns = section.get("columns") or {}
    if not isinstance(columns, dict):
        raise MappingError(f"mapping {label}: `columns` must map file columns to source columns")
    known = (
        set(SOURCES[source].columns) if source else {c for s in SOURCES.values() for c in s.columns}
    )
    for file_column, target in columns.items():
        if target is not None and target not in known:
            where = f"source {source}" if source else "any source"
            raise MappingError(
                f"mapping {label}: {file_column!r} maps onto {target!r}, "
                f"which is not a column of {where}"
            )
    encoding = section.get("encoding")
    if encoding is not None and canonical_encoding(str(encoding)) is None:
        raise MappingError(
            f"mapping {label}: encoding {encoding!r} is not one of {', '.join(CSV_ENCODINGS)}"
        )
    delimiter = section.get("delimiter")
    if delimiter is not None and not (isinstance(delimiter, str) and len(delimiter) == 1):
        raise MappingError(f"mapping {label}: delimiter must be one character, got {delimiter!r}")
    values = _value_tables(section.get("values") or {}, known, label)
    separators = section.get("separators") or {}
    if not isinstance(separators, dict) or not all(
        isinstance(separator, str) and separator for separator in separators.values()
    ):
        raise MappingError(f"mapping {label}: `separators` must map columns to a separator")
    for column in separators:
        if column not in values:
            raise MappingError(
                f"mapping {label}: separators.{column} has no `values` table to pick from"
            )
    timestamp_format = section.get("timestamp_format")
    if timestamp_format is not None and not (
        isinstance(timestamp_format, str) and "%" in timestamp_format
    ):
        raise MappingError(
            f"mapping {label}: timestamp_format must be a strptime format such as "
            f"'%d/%b/%y %I:%M %p', got {timestamp_format!r}"
        )
    return SourceMapping(
        label=label,
        columns={str(key): value for key, value in columns.items()},
        delimiter=delimiter,
        encoding=canonical_encoding(str(encoding)) if encoding else None,
        values=values,
        separators={str(column): separator for column, separator in separators.items()},
        timestamp_format=timestamp_format,
    )


def _value_tables(tables: object, known: set[str], label: str) -> dict[str, dict[str, str | None]]:
    """Check each `values` table: a known column, plain keys, targets our vocabulary allows."""
    if not isinstance(tables, dict):
        raise MappingError(f"mapping {label}: `values` must map source columns to tables")
    parsed: dict[str, dict[str, str | None]] = {}
    for column, table in tables.items():
        if column not in known:
            raise MappingError(f"mapping {label}: values.{column}: no such source column")
        if not isinstance(table, dict):
            raise MappingError(f"mapping {label}: values.{column} must map file values to ours")
        allowed = valid_values(column)
        parsed[column] = {}
        for file_value, value in table.items():
            if isinstance(file_value, bool) or isinstance(value, bool):
                # YAML 1.1 reads yes/no/on/off as booleans: the file's text is lost.
                raise MappingError(
                    f"mapping {label}: values.{column}: quote yes/no/on/off/true/false "
                    f"(got {file_value!r}: {value!r})"
                )
            if file_value is None or isinstance(value, dict | list):
                raise MappingError(
                    f"mapping {label}: values.{column}: {file_value!r}: {value!r} is not "
                    "`file value: our value`"
                )
            target = None if value is None else str(value)
            if target is not None and allowed is not None and target not in allowed:
                raise MappingError(
                    f"mapping {label}: values.{column}: {file_value!r} translates to "
                    f"{target!r}, which is not one of {', '.join(allowed)}"
                )
            parsed[column][value_key(str(file_value))] = target
    return parsed


def _check_source(source: object, label: str) -> None:
    if source not in SOURCES:
        raise MappingError(
            f"mapping {label}: unknown source {source!r} (known: {', '.join(sorted(SOURCES))})"
        )


def _reject_unknown_keys(section: dict, allowed: set[str], label: str) -> None:
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise MappingError(
            f"mapping {label}: unknown key(s) {', '.join(map(str, unknown))} "
            f"(allowed: {', '.join(sorted(allowed))})"
        )


def find_sidecar_mapping(file: Path) -> Path | None:
    """`<file>.mapping.yaml`, `<stem>.mapping.yaml`, then `_mapping.yaml` in the file's folder."""
    candidates = (
        file.with_name(file.name + MAPPING_SUFFIX),
        file.with_name(file.stem + MAPPING_SUFFIX),
        file.with_name(FOLDER_MAPPING),
    )
    return next((candidate for candidate in candidates if candidate.is_file()), None)


def resolve_columns(
    file_name: str, file_columns: list[str], source: Source, mapping: SourceMapping | None
) -> ColumnPlan:
    """Place each file column on a source column: the mapping first, then matching names."""
    explicit = {
        normalize(key): target for key, target in (mapping.columns if mapping else {}).items()
    }
    # Several file columns mapped onto one source column: the first in mapping order that the
    # file has feeds it (an export with ids, or one with names only).
    present = {normalize(column) for column in file_columns}
    preferred = {}
    for key, target in explicit.items():
        if target is not None and key in present and target not in preferred:
            preferred[target] = key
    for target in explicit.values():
        if target is not None and target not in source.columns:
            raise MappingError(
                # explicit targets come from a mapping: it is set here
                f"{file_name}: mapping {cast(SourceMapping, mapping).label} maps onto {target!r}, "
                f"which is not a column of {source.name}"
            )
    known = {normalize(column): column for column in source.columns}
    selected: dict[str, str] = {}
    ignored: list[str] = []
    for column in file_columns:
        key = normalize(column)
        target = explicit[key] if key in explicit else known.get(key)
        if target is not None and key in explicit and preferred.get(target) != key:
            target = None  # a column listed earlier in the mapping feeds this target
        if target is None:
            ignored.append(column)
        elif target in selected:
            raise MappingError(
                f"{file_name}: columns {selected[target]!r} and {column!r} both map onto "
                f"{source.name}.{target}; map one of them to null in the mapping"
            )
        else:
            selected[target] = column
    if not selected:
        listed = ", ".join(repr(column) for column in file_columns) or "none"
        raise MappingError(
            f"{file_name} has none of the {source.name} columns; its columns: {listed}. "
            f"Map them onto {source.name}'s ({', '.join(source.columns)}) with --mapping, "
            f"{file_name}{MAPPING_SUFFIX} or {FOLDER_MAPPING} next to the file"
        )
    return ColumnPlan(selected=selected, ignored=ignored)
