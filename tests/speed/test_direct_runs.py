"""CLI commands run their flow's functions directly when no Prefect API is configured."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.retries import is_io_error
from flows.runner import direct_run, run_task

ROOT = Path(__file__).resolve().parents[2]
# The flow path started Prefect's private server: 10-15 s before the first file on 2 cores.
DIRECT_INGEST_SECONDS = 10


def _environment(tmp_path: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("PREFECT_")
    }
    environment |= {
        "SUPPORTLAKE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(tmp_path / "lake"),
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "COLUMNS": "200",
    }
    environment.pop("SUPPORTLAKE_PREFECT", None)
    return environment


# The CLI in a fresh process, then whether anything imported Prefect.
CLI_THEN_REPORT_PREFECT = """
import sys
from supportlake.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print("prefect imported:", "prefect" in sys.modules)
"""


def test_ingest_of_one_row_into_an_existing_warehouse_starts_no_prefect_server(tmp_path):
    environment = _environment(tmp_path)
    landing = tmp_path / "lake" / "landing" / "tickets"
    landing.mkdir(parents=True)
    (landing / "first.csv").write_text("ticket_id,category\nT-1,Billing\n")
    cli = [sys.executable, "-c", CLI_THEN_REPORT_PREFECT, "ingest"]
    subprocess.run(cli, env=environment, cwd=ROOT, check=True, capture_output=True)
    (tmp_path / "one.csv").write_text("ticket_id,category\nT-2,Account\n")

    started = time.perf_counter()
    run = subprocess.run(
        [*cli, str(tmp_path / "one.csv"), "--source", "tickets"],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started

    assert run.returncode == 0, run.stdout + run.stderr
    assert "ingest: run directly (no Prefect API configured" in run.stdout
    assert "1 loaded (1 rows)" in run.stdout
    assert "prefect imported: False" in run.stdout
    assert not list((tmp_path / "prefect").glob("*.db")), "Prefect's server database was made"
    assert seconds < DIRECT_INGEST_SECONDS, f"{seconds:.1f} s"
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.tickets").fetchone() == (2,)


def test_a_direct_run_retries_an_io_error_as_the_task_says_and_not_bad_content():
    from prefect import task

    attempts: list[str] = []

    @task(retries=2, retry_delay_seconds=0, retry_condition_fn=is_io_error)
    def flaky(error: Exception | None) -> str:
        attempts.append("try")
        if error is not None and len(attempts) == 1:
            raise error
        return "done"

    with direct_run():
        assert run_task(flaky, duckdb.IOException("Could not set lock on file")) == "done"
        assert len(attempts) == 2

        attempts.clear()
        with pytest.raises(ValueError, match="bad content"):
            run_task(flaky, ValueError("bad content"))
        assert len(attempts) == 1
