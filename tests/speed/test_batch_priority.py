"""Batch commands lower their own CPU priority, so an API on the same machine keeps its
latency while an ingest or build runs beside it; commands that answer a person do not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs one command in its own process; prints its niceness before and after.
PROBE = """
import os, sys
from typer.testing import CliRunner
from supportlake.cli import app
before = os.nice(0)
CliRunner().invoke(app, sys.argv[1:])
print(before, os.nice(0))
"""
TARGET = 15  # above the default, so a test process already at the default still tells


def _niceness(tmp_path: Path, *command: str, target: int = TARGET) -> tuple[int, int]:
    env = {
        "SUPPORTLAKE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(tmp_path / "lake"),
        "SUPPORTLAKE_PREFECT_HOME": str(tmp_path / "prefect"),
        "SUPPORTLAKE_BATCH_NICENESS": str(target),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *command],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
    )
    before, after = done.stdout.strip().splitlines()[-1].split()
    return int(before), int(after)


@pytest.fixture
def generate(tmp_path) -> tuple[str, ...]:
    if os.nice(0) >= TARGET:
        pytest.skip(f"this test process already runs at nice {os.nice(0)}")
    return ("generate", "tickets", "--rows", "5", "--out", str(tmp_path / "out"))


def test_a_batch_command_yields_the_cpu(tmp_path, generate):
    assert _niceness(tmp_path, *generate) == (os.nice(0), TARGET)


def test_a_command_that_answers_a_person_keeps_its_priority(tmp_path, generate):
    before, after = _niceness(tmp_path, "status")
    assert after == before


def test_the_priority_setting_turns_it_off(tmp_path, generate):
    before, after = _niceness(tmp_path, *generate, target=0)
    assert after == before
