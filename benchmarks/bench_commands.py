"""Fixed cost per command: whole `supportlake` processes as a user runs them, start included,
each beside its baseline in the same run (rounds interleaved, so both see the same load).

    .venv/bin/python benchmarks/bench_commands.py [--rounds 3] [--record]

    ingest of one 1-row CSV into an existing warehouse, run directly (no Prefect API)
        baseline: the same through Prefect (SUPPORTLAKE_PREFECT=always: its private server,
        the behaviour before runs went direct)
    build after that 1-row load: the models downstream of the tickets source
    build when nothing new was loaded
        baseline: `build --all --unit-tests`, every node as every build ran before
    supportlake --help (--startup-only measures just this pair)
        baseline: the same help with ml/ and the Prefect flows imported up front, as a command
        line that imported its commands' dependencies at the top would start

Goals (issue 18, 2 cores): ingest <= 3 s, build with nothing new <= 5 s. The warehouse is the
test fixtures' exports (tests/fixtures/landing), ingested and built once before the rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measurement, append_section, run_measured

ROOT = Path(__file__).resolve().parents[1]
SUPPORTLAKE = str(ROOT / ".venv" / "bin" / "supportlake")
FIXTURES = ROOT / "tests" / "fixtures" / "landing"
SCRATCH = ROOT / ".state" / "bench" / "commands"

INGEST = "ingest 1-row CSV, direct"
INGEST_BASELINE = "baseline: ingest 1-row CSV through Prefect (SUPPORTLAKE_PREFECT=always)"
BUILD_ONE_LOAD = "build after a 1-row tickets load"
BUILD_NOTHING = "build, nothing new loaded"
BUILD_BASELINE = "baseline: build --all --unit-tests"
HELP = "supportlake --help"
HELP_BASELINE = "baseline: --help with ml/ and the flows imported up front"
GOALS = {INGEST: 3.0, BUILD_NOTHING: 5.0}
EAGER_HELP = (
    "import ml.training, ml.scoring, ml.topics, ml.recommend, flows.demo, flows.topics; "
    "from supportlake.cli import app; app(['--help'])"
)


def startup(label: str, command: list[str]) -> Measurement:
    log = SCRATCH / "commands.log"
    return run_measured(label, ["sh", "-c", f'exec "$0" "$@" >> {log} 2>&1', *command])


def help_round() -> list[Measurement]:
    return [
        startup(HELP, [SUPPORTLAKE, "--help"]),
        startup(HELP_BASELINE, [sys.executable, "-c", EAGER_HELP]),
    ]


def environment() -> dict[str, str]:
    """A scratch warehouse, lake and Prefect home; no Prefect API, whatever the shell has."""
    return {
        "SUPPORTLAKE_WAREHOUSE": str(SCRATCH / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(SCRATCH / "lake"),
        "SUPPORTLAKE_MODELS_DIR": str(SCRATCH / "models"),
        "PREFECT_HOME": str(SCRATCH / "prefect"),
    }


def supportlake(label: str, *args: str, extra: dict[str, str] | None = None) -> Measurement:
    """One whole command; its output goes to a log, not the benchmark's table."""
    log = SCRATCH / "commands.log"
    shell = ["sh", "-c", f'exec "$0" "$@" >> {log} 2>&1', SUPPORTLAKE, *args]
    return run_measured(label, shell, env=environment() | (extra or {}))


def one_row_csv(name: str) -> Path:
    path = SCRATCH / "new" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"ticket_id,category\nB-{name},Billing\n")
    return path


def prepare() -> None:
    """A warehouse built once from the fixtures, and Prefect's database made once, so the
    rounds measure what a user pays on every command, not first-run setup."""
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    supportlake("setup: ingest fixtures", "ingest", str(FIXTURES))
    supportlake("setup: first build", "build")
    prefect = {"SUPPORTLAKE_PREFECT": "always"}
    supportlake("setup: Prefect's database", "ingest", str(one_row_csv("setup")), "--source",
                "tickets", extra=prefect)  # fmt: skip
    supportlake("setup: build", "build")


def run_rounds(rounds: int) -> list[Measurement]:
    measured: list[Measurement] = []
    for index in range(rounds):
        row = one_row_csv(f"direct-{index}")
        measured.append(supportlake(INGEST, "ingest", str(row), "--source", "tickets"))
        row = one_row_csv(f"prefect-{index}")
        measured.append(
            supportlake(
                INGEST_BASELINE, "ingest", str(row), "--source", "tickets",
                extra={"SUPPORTLAKE_PREFECT": "always"},
            )
        )  # fmt: skip
        measured.append(supportlake(BUILD_ONE_LOAD, "build"))
        measured.append(supportlake(BUILD_BASELINE, "build", "--all", "--unit-tests"))
        measured.append(supportlake(BUILD_NOTHING, "build"))
        measured += help_round()
    return measured


def table(measured: list[Measurement]) -> str:
    lines = [
        "| command (whole process) | median wall s | runs (wall s) | median CPU s | goal |",
        "|---|---:|---|---:|---|",
    ]
    labels = (INGEST, INGEST_BASELINE, BUILD_ONE_LOAD, BUILD_NOTHING, BUILD_BASELINE, HELP)
    for label in (*labels, HELP_BASELINE):
        runs = [item for item in measured if item.label == label]
        if not runs:
            continue
        wall = statistics.median(item.seconds for item in runs)
        cpu = statistics.median(item.cpu_seconds for item in runs)
        goal = GOALS.get(label)
        verdict = f"<= {goal:.0f} s: {'met' if wall <= goal else 'missed'}" if goal else ""
        each = ", ".join(f"{item.seconds:.1f}" for item in runs)
        lines.append(f"| {label} | {wall:.1f} | {each} | {cpu:.1f} | {verdict} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument(
        "--startup-only", action="store_true", help="only `supportlake --help` and its baseline"
    )
    args = parser.parse_args()
    if os.environ.get("PREFECT_API_URL"):
        parser.error("unset PREFECT_API_URL: the direct runs are measured without a Prefect API")
    load_before = os.getloadavg()
    if args.startup_only:
        SCRATCH.mkdir(parents=True, exist_ok=True)
        measured = [item for _ in range(args.rounds) for item in help_round()]
    else:
        prepare()
        measured = run_rounds(args.rounds)
    load_after = os.getloadavg()
    load = (
        f"{os.cpu_count()} cores; load average (1/5/15 min) "
        f"{'/'.join(f'{value:.1f}' for value in load_before)} before, "
        f"{'/'.join(f'{value:.1f}' for value in load_after)} after"
    )
    body = f"{table(measured)}\n\n{args.rounds} interleaved rounds; {load}."
    print(body)
    if args.record:
        title = "Seconds per command: " + (
            "`supportlake --help` start" if args.startup_only else "ingest and build fixed costs"
        )
        append_section(title, body)


if __name__ == "__main__":
    main()
