"""What the incremental tests share: a load that must not fail, and a comparable copy of
marts (an incremental build and a full refresh must give the same rows)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


def ingest_or_fail(settings: Settings, path: Path, source: str | None = None) -> None:
    summary = ingest_path(path, settings=settings, source=source)
    assert not summary.with_status("failed"), [r.message for r in summary.with_status("failed")]


def _rounded(row: tuple) -> tuple:
    # A sum over many rows is a float whose last bit follows the order DuckDB's threads add
    # in: equal to 12 significant digits is equal.
    return tuple(float(f"{value:.12g}") if isinstance(value, float) else value for value in row)


def snapshot_marts(settings: Settings, marts: Iterable[str]) -> dict[str, list[tuple]]:
    """Every row of each mart, rounded and sorted, so two builds compare with ==."""
    with open_warehouse(settings, read_only=True) as connection:
        return {
            mart: sorted(
                (
                    _rounded(row)
                    for row in connection.execute(f"select * from marts.{mart}").fetchall()
                ),
                key=repr,
            )
            for mart in marts
        }
