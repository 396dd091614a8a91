"""`supportlake generate tickets` end to end, and the generator's memory staying flat."""

from __future__ import annotations

import subprocess
import sys

import pyarrow.parquet as pq
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.sources import TICKETS


def test_generate_tickets_writes_to_the_lakes_landing_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(tmp_path / "lake"))
    result = CliRunner().invoke(
        app,
        ["generate", "tickets", "--rows", "2500", "--rows-per-partition", "1000",
         "--format", "parquet,csv", "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    landing = tmp_path / "lake" / "landing" / "tickets"
    names = sorted(path.name for path in landing.iterdir())
    assert names == [
        f"tickets-0-part-0000{i}.{ext}" for i in range(3) for ext in ("csv", "parquet")
    ]
    table = pq.read_table(sorted(landing.glob("*.parquet")))
    assert table.num_rows > 2500 and table.column_names == list(TICKETS.columns)
    assert f"{table.num_rows:,} rows" in result.output
    assert "6 file(s)" in result.output and "rows/s" in result.output


def test_generate_tickets_honours_out_and_seed(tmp_path):
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(
        app, ["generate", "tickets", "--rows", "500", "--seed", "42", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [path.name for path in out.iterdir()] == ["tickets-42-part-00000.parquet"]


def test_an_unknown_format_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(
        app, ["generate", "tickets", "--rows", "10", "--out", str(tmp_path), "--format", "xml"]
    )
    assert result.exit_code == 2
    assert "unknown format 'xml'" in result.output
    assert not list(tmp_path.iterdir())


PEAK_RSS = """
import resource, sys
from supportlake.generate import generate_tickets
generate_tickets(sys.argv[1], int(sys.argv[2]), rows_per_partition=10_000, workers=1,
                 progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def test_peak_memory_does_not_grow_with_rows(tmp_path):
    def peak_kb(rows: int) -> int:
        out = tmp_path / str(rows)
        completed = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, str(out), str(rows)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return int(completed.stdout.split()[-1])

    few, many = peak_kb(20_000), peak_kb(200_000)
    assert many < few * 1.15 + 20_000, f"peak RSS {few} kB for 20k rows, {many} kB for 200k"


def test_generate_knowledge_base_writes_articles_and_citations_for_generated_tickets(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(tmp_path / "lake"))
    runner = CliRunner()
    tickets = runner.invoke(app, ["generate", "tickets", "--rows", "400", "--workers", "1"])
    assert tickets.exit_code == 0, tickets.output
    result = runner.invoke(app, ["generate", "knowledge-base"])
    assert result.exit_code == 0, result.output
    landing = tmp_path / "lake" / "landing"
    articles = (landing / "knowledge_base" / "knowledge-base-0.jsonl").read_text().splitlines()
    links = (landing / "ticket_article_links" / "ticket-article-links-0.jsonl").read_text()
    assert len(articles) > 100 and links.count("\n") > 50
    assert f"{len(articles)} articles" in " ".join(result.output.split())
