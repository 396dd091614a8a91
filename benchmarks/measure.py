"""Shared benchmark helpers: time and peak memory of a command run in its own process."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCHMARKS_DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass
class Measurement:
    label: str
    seconds: float
    cpu_seconds: float  # user + system: what the run costs, however busy the machine is
    peak_rss_mb: float
    returncode: int


def run_measured(label: str, command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run `command`; peak RSS comes from wait4's rusage of that process tree's largest member."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env={**os.environ, **(env or {})})
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    returncode = os.waitstatus_to_exitcode(status)
    if returncode != 0:
        raise RuntimeError(f"{label}: {' '.join(command)} exited {returncode}")
    cpu_seconds = usage.ru_utime + usage.ru_stime
    return Measurement(label, seconds, cpu_seconds, usage.ru_maxrss / 1024, returncode)


def machine_line() -> str:
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}"
    )


def append_section(title: str, body: str) -> None:
    """Append a dated section to docs/benchmarks.md (figures are history, never overwritten)."""
    BENCHMARKS_DOC.parent.mkdir(parents=True, exist_ok=True)
    if not BENCHMARKS_DOC.exists():
        BENCHMARKS_DOC.write_text("# Benchmarks\n")
    with BENCHMARKS_DOC.open("a") as handle:
        handle.write(f"\n### {title} ({machine_line()})\n\n{body.strip()}\n")
