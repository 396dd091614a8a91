"""What an ingest run did, per file and in total."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LOADED = "loaded"
EMPTY = "empty"
SKIPPED = "skipped"  # same content loaded before; nothing written
FAILED = "failed"


@dataclass
class FileResult:
    path: Path
    source: str
    status: str  # loaded | empty | skipped | failed (the manifest also has retired)
    load_id: str | None = None
    file_format: str | None = None
    mapping: str | None = None
    rows_read: int = 0  # records found = rows_loaded + rows_quarantined
    rows_loaded: int = 0
    rows_quarantined: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)  # earlier loads this reload replaced
    message: str = ""  # why a file was skipped or failed
    seconds: float = 0.0


@dataclass
class IngestSummary:
    root: Path
    warehouse: Path
    files: list[FileResult] = field(default_factory=list)
    unsupported: list[Path] = field(default_factory=list)  # left alone: not a data file

    def with_status(self, status: str) -> list[FileResult]:
        return [result for result in self.files if result.status == status]

    @property
    def rows_loaded(self) -> int:
        return sum(result.rows_loaded for result in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(result.rows_quarantined for result in self.files)

    @property
    def has_failures(self) -> bool:
        return any(result.status == FAILED for result in self.files)

    @property
    def all_quarantined(self) -> list[FileResult]:
        """Loads that read records but kept none: a wrong encoding, delimiter or mapping."""
        return [
            result
            for result in self.files
            if result.status == LOADED and result.rows_loaded == 0 and result.rows_quarantined
        ]

    def __str__(self) -> str:
        return (
            f"{len(self.files)} files: {len(self.with_status(LOADED))} loaded "
            f"({self.rows_loaded:,} rows, {self.rows_quarantined:,} quarantined), "
            f"{len(self.with_status(EMPTY))} empty, "
            f"{len(self.with_status(SKIPPED))} skipped (already loaded), "
            f"{len(self.with_status(FAILED))} failed"
        )
