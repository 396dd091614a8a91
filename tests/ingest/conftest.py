"""Ingest tests write small landing files into tmp_path and load them into a real DuckDB file."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

FIXTURES = Path(__file__).parent / "fixtures"

TICKETS = [
    {
        "ticket_id": "T-1",
        "customer_id": "C-1",
        "created_at": "2025-01-02 10:00:00",
        "category": " billing ",
        "escalated": "true",
        "resolution_minutes": "30",
    },
    {
        "ticket_id": "T-2",
        "customer_id": "C-2",
        "created_at": "2025-01-03 11:30:00",
        "category": "Technical",
        "escalated": "false",
        "resolution_minutes": "125.5",
    },
    {
        "ticket_id": "T-3",
        "customer_id": "C-1",
        "created_at": "2025-01-04 09:15:00",
        "category": "Account",
        "escalated": "false",
        "resolution_minutes": "7",
        "message": 'Printer says "hi", then stops;\nsecond line',
    },
]
COLUMNS = list(dict.fromkeys(key for row in TICKETS for key in row))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(warehouse=tmp_path / "warehouse.duckdb", lake=tmp_path / "lake")


@pytest.fixture
def connection(settings: Settings) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(settings) as connection:
        yield connection


@pytest.fixture
def landing(settings: Settings) -> Path:
    for source in ("tickets", "chats"):
        settings.landing_for(source).mkdir(parents=True)
    return settings.landing


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns or COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_json(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect() as scratch:
        scratch.execute(
            "create table rows as select * from read_json(?, format='array')",
            [str(write_json(path.with_suffix(".tmp.json"), rows))],
        )
        scratch.execute(f"copy rows to '{path}' (format parquet)")
    path.with_suffix(".tmp.json").unlink()
    return path


def fetch(connection: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    return connection.execute(sql, params or []).fetchall()


def reconciles(connection: duckdb.DuckDBPyConnection) -> bool:
    """What the dbt reconciliation relies on: read = loaded + quarantined, per load, in fact."""
    mismatches = fetch(
        connection,
        """
        select manifest.load_id
        from raw.load_manifest as manifest
        left join (
            select _load_id, count(*) as loaded from raw.tickets group by _load_id
        ) as tickets on tickets._load_id = manifest.load_id
        left join (
            select load_id, count(*) as quarantined from raw.quarantine group by load_id
        ) as quarantine on quarantine.load_id = manifest.load_id
        where manifest.source = 'tickets'
            and (manifest.rows_read <> manifest.rows_loaded + manifest.rows_quarantined
                or manifest.rows_loaded <> coalesce(tickets.loaded, 0)
                or manifest.rows_quarantined <> coalesce(quarantine.quarantined, 0))
        """,
    )
    return not mismatches
