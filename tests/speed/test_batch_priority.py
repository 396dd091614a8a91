"""Batch commands lower their own CPU priority, so an API on the same machine keeps its
latency while an ingest or build runs beside it; commands that answer a person do not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs one command in its own process, then prints how much its niceness rose.
PROBE = """
import os, sys
from typer.testing import CliRunner
from supportlake.cli import app
before = os.nice(0)
CliRunner().invoke(app, sys.argv[1:])
print(os.nice(0) - before)
"""


def _niceness_added(tmp_path: Path, *command: str, environment: dict | None = None) -> int:
    env = {
        "SUPPORTLAKE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(tmp_path / "lake"),
        "SUPPORTLAKE_PREFECT_HOME": str(tmp_path / "prefect"),
        **(environment or {}),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("command", "added"),
    [
        (("generate", "tickets", "--rows", "5", "--out", "{out}"), 10),
        (("status",), 0),
    ],
)
def test_batch_commands_yield_the_cpu_and_the_others_do_not(tmp_path, command, added):
    command = tuple(part.format(out=tmp_path / "out") for part in command)
    assert _niceness_added(tmp_path, *command) == added


def test_the_priority_setting_turns_it_off(tmp_path):
    command = ("generate", "tickets", "--rows", "5", "--out", str(tmp_path / "out"))
    off = {"SUPPORTLAKE_BATCH_NICENESS": "0"}
    assert _niceness_added(tmp_path, *command, environment=off) == 0
