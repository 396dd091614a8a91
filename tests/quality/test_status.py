"""`supportlake status`: last loads with their losses, stale sources, quarantine counts."""

from __future__ import annotations

import shutil

import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.settings import Settings
from tests.quality.conftest import environment_for

runner = CliRunner()


def status_output(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> str:
    environment_for(monkeypatch, settings)
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


def test_status_shows_each_load_with_its_rows_in_the_marts(monkeypatch, built_project) -> None:
    output = status_output(monkeypatch, built_project)

    assert "last 2 loads" in output
    assert "tickets │ lossy_export.csv │ loaded │ 40 │ 0 │ 11 (27.5%)" in output
    assert "tickets │ clean_export.csv │ loaded │ 20 │ 0 │ 20 (100.0%)" in output
    assert "fresh: tickets: last loaded" in output and "2 load(s)" in output
    assert "quarantine: empty" in output
    assert "warning: lossy_export.csv (load" in output and "reached marts.tickets" in output


def test_status_names_stale_sources_unbuilt_loads_and_quarantine(
    monkeypatch, built_project: Settings, tmp_path
) -> None:
    from supportlake.ingest import ingest_path
    from tests.quality.conftest import COLUMNS

    # A copy of the built warehouse, so the other tests keep theirs as it was.
    project = Settings.in_folder(tmp_path / "copy")
    project.warehouse.parent.mkdir(parents=True)
    shutil.copy(built_project.warehouse, project.warehouse)
    late = tmp_path / "tickets" / "late_export.csv"
    late.parent.mkdir()
    late.write_text(",".join(COLUMNS) + "\nLATE-1,CU-1,2024-05-19 09:00:00\n")  # 3 of 7 fields
    ingest_path(late, project)
    monkeypatch.setenv("SUPPORTLAKE_STALE_SOURCE_HOURS", "0")

    output = status_output(monkeypatch, project)

    assert "tickets │ late_export.csv │ loaded │ 1 │ 1 │ not built" in output
    assert "1 ticket load(s) not in the marts yet: run `supportlake build`" in output
    assert "stale: tickets: last loaded" in output and "(setting stale_source_hours)" in output
    assert "quarantine: 1 rows in raw.quarantine; top reasons:" in output
    assert "tickets: wrong number of fields: expected 7, found 3 (1)" in output


def test_status_without_a_warehouse_says_what_to_run(monkeypatch, tmp_path) -> None:
    environment_for(monkeypatch, Settings.in_folder(tmp_path))
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert "no warehouse at" in result.output and "supportlake ingest" in result.output


def test_the_demo_step_line_carries_the_quality_warnings(built_project: Settings) -> None:
    from flows.demo import data_quality_line

    line = data_quality_line(built_project)
    assert line.startswith("2 warning(s): lossy_export.csv (load")
    assert "only 11 of 40 rows (27.5%) reached marts.tickets" in line
