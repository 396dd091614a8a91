"""The ingest summary names why a file's rows were quarantined and warns when a file loses
more of them than the threshold allows."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from supportlake.ingest import ingest_path
from supportlake.ingest.summary import print_summary
from supportlake.settings import Settings
from tests.quality.conftest import COLUMNS, clean_rows, environment_for


def test_a_file_that_loses_rows_at_ingest_warns_with_its_top_reasons(tmp_path, monkeypatch):
    settings = Settings.in_folder(tmp_path)
    environment_for(monkeypatch, settings)
    landing = tmp_path / "landing" / "tickets"
    landing.mkdir(parents=True)
    good = [",".join(row) for row in clean_rows(5)]
    short = [f"S-{n},CU-{n},2024-05-17 09:00:00" for n in range(15)]  # 3 of 7 fields
    (landing / "short_rows.csv").write_text("\n".join([",".join(COLUMNS), *good, *short]) + "\n")
    write_clean = landing / "clean.csv"
    write_clean.write_text("\n".join([",".join(COLUMNS), *good]) + "\n")

    summary = ingest_path(landing, settings)
    console = Console(record=True, width=200)
    print_summary(summary, console)
    output = " ".join(console.export_text().split())

    assert (
        "warning: short_rows.csv: 15 of 20 rows quarantined; top reasons: wrong number of fields: "
        "expected 7, found 3 (15)" in output
    ), output
    assert "(only 25.0% loaded, threshold 95.0%)" in output
    assert "clean.csv: 0 of" not in output and "warning: clean.csv" not in output
    assert "counted per load by supportlake build" in output


def test_the_summary_does_not_need_a_warehouse_when_nothing_loaded(tmp_path: Path) -> None:
    from supportlake.ingest.results import IngestSummary

    console = Console(record=True, width=200)
    print_summary(IngestSummary(tmp_path, tmp_path / "missing.duckdb", []), console)
    assert "0 loaded" in console.export_text()
