"""An independent count of a CSV file's records, so that a record the CSV reader drops cannot
go unnoticed.

DuckDB's CSV reader quarantines a record longer than its line limit only up to about twice
that limit; beyond it the record vanishes without a reject (or, when it holds line breaks,
its lines come back as dozens of bogus rejects). A cut in the last, unquoted field is read as
a shorter value. So before DuckDB reads a file, Python's csv module walks it once: it counts
the records, sets aside those longer than the limit and a last record without a line break,
and, when it set any aside, writes the copy DuckDB reads without them. The loader then checks
that loaded + quarantined equals this count.

Line numbers follow DuckDB's: the header is line 1, each record and each blank line is one
line (a quoted field's line breaks do not count).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

# How much of a set-aside record the quarantine keeps: the file itself keeps the rest.
KEPT_CHARS = 1 << 20


@dataclass(frozen=True)
class SetAside:
    line: int
    reason: str
    raw_record: str


@dataclass
class RecordScan:
    records: int = 0  # after the header, blank lines not counted, set-aside records counted
    set_aside: list[SetAside] = field(default_factory=list)
    blank_lines: list[int] = field(default_factory=list)  # DuckDB counts them, returns no row


class _TrackedLines:
    """Yields the file's physical lines to csv.reader and remembers those of the current record
    (csv.reader asks for a line only when the record it builds needs one)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.pending: list[str] = []

    def __iter__(self) -> Iterator[str]:
        pending = self.pending
        for line in self.handle:
            pending.append(line)
            yield line

    def take(self) -> list[str]:
        taken = self.pending.copy()
        self.pending.clear()
        return taken


def scan_csv(
    path: Path,
    *,
    codec: str,
    delimiter: str,
    max_record_bytes: int,
    copy_to: Path | None = None,
) -> RecordScan:
    """Count the records of `path` (decoded with `codec`); with `copy_to`, also write the file
    there without the records set aside (same codec, every other byte as it was)."""
    csv.field_size_limit(sys.maxsize)  # the limit is ours to enforce, with a reason
    scan = RecordScan()
    errors = "replace" if codec.startswith("utf-16") else "surrogateescape"
    out_codec = "utf-8" if codec == "utf-8-sig" else codec
    with path.open(encoding=codec, errors=errors, newline="") as handle:
        lines = _TrackedLines(handle)
        rows = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True)
        out = copy_to.open("w", encoding=out_codec, errors=errors, newline="") if copy_to else None
        try:
            line = last_record = 0
            for row in rows:
                parts = lines.take()
                line += 1
                if line == 1 or not row:  # the header, or a blank line
                    if line > 1:
                        scan.blank_lines.append(line)
                    if out is not None:
                        out.writelines(parts)
                    continue
                scan.records += 1
                last_record = line
                reason = _set_aside_reason(parts, codec, errors, max_record_bytes)
                if reason is None and not parts[-1].endswith(("\n", "\r")):
                    reason = (
                        "last record has no line break after it: the file may have been cut "
                        "short, so its last value may be incomplete (if the file is complete, "
                        "end it with a line break and ingest it again)"
                    )
                if reason is None:
                    if out is not None:
                        out.writelines(parts)
                else:
                    text = "".join(parts)[:KEPT_CHARS]
                    scan.set_aside.append(SetAside(line, reason, text))
        finally:
            if out is not None:
                out.close()
    # Blank lines after the last record shift nothing (a file ending in an empty line).
    scan.blank_lines = [blank for blank in scan.blank_lines if blank < last_record]
    return scan


def _set_aside_reason(parts: list[str], codec: str, errors: str, limit: int) -> str | None:
    # A character takes at most 4 bytes: only long records need encoding to be measured.
    if len(parts) == 1 and len(parts[0]) * 4 <= limit:
        return None
    text = "".join(parts)
    if len(text) * 4 <= limit:
        return None
    size = len(text.encode(codec, errors))
    if size <= limit:
        return None
    return (
        f"record of {size:,} bytes is longer than the {limit:,}-byte limit"
        f" (raw_record holds its first {KEPT_CHARS:,} characters)"
    )
