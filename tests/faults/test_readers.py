"""Readers never block the pipeline: BI reads the serving copy, which a build replaces while it
is open; a reader left on the writer's file gets a short, clear failure after a set wait.

Everything runs as a user would: `supportlake` commands in their own processes, and readers
holding DuckDB files from other processes (DuckDB's locks are per process).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from supportlake.settings import Settings

SUPPORTLAKE = Path(sys.executable).with_name("supportlake")
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
LOCK_WAIT_SECONDS = 3


def _environment(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "SUPPORTLAKE_WAREHOUSE": str(settings.warehouse),
        "SUPPORTLAKE_SERVING_WAREHOUSE": str(settings.serving_warehouse),
        "SUPPORTLAKE_LAKE": str(settings.lake),
        "SUPPORTLAKE_MODELS_DIR": str(settings.models_dir),
        "SUPPORTLAKE_PREFECT_HOME": str(settings.prefect_home),
        "COLUMNS": "120",
        **extra,
    }


def _supportlake(settings: Settings, *args: str, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SUPPORTLAKE), *args],
        env=_environment(settings, **extra),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@contextmanager
def reader_holding(path: Path) -> Iterator[subprocess.Popen]:
    """Another process with `path` open read-only (as a BI tool keeps it), until the block ends."""
    script = (
        "import duckdb, sys\n"
        f"connection = duckdb.connect({str(path)!r}, read_only=True)\n"
        "connection.execute('select 1').fetchall()\n"
        "print('open', flush=True)\n"
        "sys.stdin.read()\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "open", "the reader could not open the file"
        yield reader
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_a_reader_on_the_writers_file_gets_one_line_naming_it_not_a_log(tmp_path):
    settings = Settings.in_folder(tmp_path)
    duckdb.connect(str(settings.warehouse)).close()

    with reader_holding(settings.warehouse) as reader:
        result = _supportlake(
            settings,
            "build",
            SUPPORTLAKE_WAREHOUSE_LOCK_TIMEOUT_SECONDS=str(LOCK_WAIT_SECONDS),
        )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert len(output.strip().splitlines()) <= 4, output
    [waiting] = result.stderr.strip().splitlines()
    assert f"PID {reader.pid}" in waiting and f"waiting up to {LOCK_WAIT_SECONDS} s" in waiting
    assert f"still held by PID {reader.pid}" in result.stdout
    assert "serving copy" in result.stdout
    assert "Traceback" not in output


def test_a_build_replaces_the_serving_copy_while_a_reader_holds_it(tmp_path):
    settings = Settings.in_folder(tmp_path)
    shutil.copytree(FIXTURES / "tickets", settings.landing / "tickets")
    loaded = _supportlake(settings, "ingest")
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    first = _supportlake(settings, "build")
    assert first.returncode == 0, first.stdout + first.stderr
    assert settings.serving_warehouse.exists()
    with duckdb.connect(str(settings.serving_warehouse), read_only=True) as copy:
        tickets_before = copy.execute("select count(*) from marts.tickets").fetchone()[0]
    first_copy = settings.serving_warehouse.stat().st_ino

    with reader_holding(settings.serving_warehouse):
        second = _supportlake(settings, "build", "--all")  # nothing new: only --all builds

    assert second.returncode == 0, second.stdout + second.stderr
    assert "serving copy" in second.stdout
    assert settings.serving_warehouse.stat().st_ino != first_copy, "no new copy was published"
    with duckdb.connect(str(settings.serving_warehouse), read_only=True) as copy:
        schemas = {
            row[0] for row in copy.execute("select schema_name from duckdb_tables()").fetchall()
        }
        tickets_after = copy.execute("select count(*) from marts.tickets").fetchone()[0]
        [table_comment] = copy.execute(
            "select comment from duckdb_tables() where schema_name = 'marts' "
            "and table_name = 'tickets'"
        ).fetchone()
        undocumented = copy.execute(
            "select count(*) from duckdb_columns() where schema_name = 'marts' "
            "and table_name = 'tickets' and comment is null"
        ).fetchone()[0]
    assert schemas == {"marts"}, "the serving copy holds the marts only"
    assert tickets_after == tickets_before > 0
    assert table_comment, "dbt's description of marts.tickets is not in the catalog"
    assert undocumented == 0, "every documented column of marts.tickets carries its comment"
    assert not list(tmp_path.glob(".serving.duckdb*")), "no temporary copy is left behind"
