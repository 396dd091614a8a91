"""What the incremental tests share: a load that must not fail, and a comparable copy of
marts (an incremental build and a full refresh must give the same rows)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse
from tests.rows import rounded_rows


def ingest_or_fail(settings: Settings, path: Path, source: str | None = None) -> None:
    summary = ingest_path(path, settings=settings, source=source)
    assert not summary.with_status("failed"), [r.message for r in summary.with_status("failed")]


def snapshot_marts(settings: Settings, marts: Iterable[str]) -> dict[str, list[tuple]]:
    """Every row of each mart, rounded and sorted, so two builds compare with ==."""
    with open_warehouse(settings, read_only=True) as connection:
        return {mart: rounded_rows(connection, f"marts.{mart}") for mart in marts}
