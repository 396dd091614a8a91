"""A scratch project whose landing folder holds one clean ticket export and one that loses
most of its rows on the way to the marts, ingested by the real ingest."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from supportlake.ingest import ingest_path
from supportlake.settings import Settings

COLUMNS = ["ticket_id", "customer_id", "created_at", "status", "priority", "category", "subject"]
# Enough of the pipeline for the audit marts and their per-load tests, not the chat or ml marts.
AUDIT_SELECTION = "+ticket_load_reconciliations+ +ticket_data_quality_checks+"


def write_export(path: Path, rows: list[list[str]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def clean_rows(count: int) -> list[list[str]]:
    return [
        [f"C-{n}", f"CU-{n}", "2024-05-17 09:00:00", "Open", "High", "Billing", f"clean {n}"]
        for n in range(count)
    ]


def lossy_rows() -> list[list[str]]:
    """40 rows: 10 tickets of their own, then 30 copies of one ticket (29 are superseded), and
    half of all rows carry a status no vocabulary knows."""
    rows = []
    for n in range(40):
        ticket_id = f"L-{n}" if n < 10 else "L-copied"
        status = "Open" if n % 2 else "Limbo-Xq"
        rows.append(
            [ticket_id, f"CU-{n}", "2024-05-18 09:00:00", status, "Low", "Billing", f"lossy {n}"]
        )
    return rows


def environment_for(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point the CLI (which reads SUPPORTLAKE_* variables) at the scratch project."""
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(settings.lake))
    monkeypatch.setenv("SUPPORTLAKE_MODELS_DIR", str(settings.models_dir))
    monkeypatch.setenv("SUPPORTLAKE_PREFECT_HOME", str(settings.prefect_home))


@pytest.fixture(scope="module")
def lossy_project(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("quality")
    settings = Settings.in_folder(root)
    landing = root / "landing" / "tickets"
    write_export(landing / "clean_export.csv", clean_rows(20))
    write_export(landing / "lossy_export.csv", lossy_rows())
    summary = ingest_path(landing, settings)
    assert [file.status for file in summary.files] == ["loaded", "loaded"], summary
    return settings


@pytest.fixture(scope="module")
def built_project(lossy_project: Settings) -> Settings:
    """The lossy project with its audit marts built."""
    from supportlake.transform import run_dbt

    run_dbt(
        ["build", "--select", AUDIT_SELECTION, "--indirect-selection", "cautious"], lossy_project
    )
    return lossy_project
