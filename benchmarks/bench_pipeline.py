"""End-to-end ticket pipeline benchmark: generate N tickets, then time `supportlake ingest` and
`supportlake build` (dbt: all models, unit and data tests, parquet exports), each in its own
process with its peak memory; beside the old notebook's pandas approach on the same files.

    .venv/bin/python benchmarks/bench_pipeline.py --rows 10000000 [--baseline-rows N] [--record]
        [--compare-duckdb 2.0.0]

Goals (issue 2): ingest + build <= 120 s and <= 6 GB peak for 10M tickets on 2 cores.

--refresh-rows N then times the hourly refresh (issue 18): N new tickets (another seed, so
other ticket ids) ingested and built into that warehouse, `supportlake ingest` + `supportlake
build` as the schedule runs them (marts.tickets incremental, only what the load changed),
beside the same data built from scratch (`dbt build --full-refresh`, the old hourly rebuild)
in its own process. Goal: <= 15 s for 100k into 10M, cost proportional to the new rows.
Generated data is kept under .state/bench/ so a re-run measures ingest and build only.

--compare-duckdb V runs the same ingest + build a second time with DuckDB V in place of the
pinned one (pip-installed once into .state/bench/duckdb-V and put first on PYTHONPATH), the
two runs interleaved so both see the same machine load.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measurement, append_section, run_measured

ROOT = Path(__file__).resolve().parents[1]
SUPPORTLAKE = str(ROOT / ".venv" / "bin" / "supportlake")
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def scratch_for(rows: int) -> Path:
    return ROOT / ".state" / "bench" / f"pipeline-{rows}"


def generate_once(rows: int) -> Path:
    """Generated files are kept: the benchmark is about ingest and build, not generation."""
    scratch = scratch_for(rows)
    landing = scratch / "lake" / "landing" / "tickets"
    if not any(landing.glob("*.parquet")):
        run_measured(
            "generate",
            [SUPPORTLAKE, "generate", "tickets", "--rows", str(rows), "--out", str(landing)],
        )
    return scratch


def duckdb_override(version: str) -> dict[str, str]:
    """Environment that makes the venv's Python import DuckDB `version` instead of the pin."""
    target = ROOT / ".state" / "bench" / f"duckdb-{version}"
    if not (target / "duckdb").exists():
        subprocess.run(
            [PYTHON, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target)]
            + [f"duckdb=={version}"],
            check=True,
        )
    paths = [str(target), os.environ.get("PYTHONPATH", "")]
    return {"PYTHONPATH": os.pathsep.join(path for path in paths if path)}


def measure_pipeline(rows: int, duckdb_version: str | None = None) -> list[Measurement]:
    scratch = generate_once(rows)
    warehouse = scratch / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(scratch / "lake" / "exports", ignore_errors=True)
    env = {
        "SUPPORTLAKE_WAREHOUSE": str(warehouse),
        "SUPPORTLAKE_LAKE": str(scratch / "lake"),
        "SUPPORTLAKE_PREFECT_HOME": str(scratch / "prefect"),
    }
    suffix = ""
    if duckdb_version:
        env |= duckdb_override(duckdb_version)
        suffix = f" (DuckDB {duckdb_version})"
    return [
        run_measured(f"ingest {rows:,}{suffix}", [SUPPORTLAKE, "ingest"], env),
        run_measured(f"dbt build {rows:,}{suffix}", [SUPPORTLAKE, "build"], env),
    ]


def measure_refresh(rows: int, refresh_rows: int) -> tuple[list[Measurement], str]:
    """After measure_pipeline(rows): `refresh_rows` new tickets ingested and built
    incrementally, then the same warehouse rebuilt from scratch as the baseline; with the
    incremental build's node seconds."""
    scratch = scratch_for(rows)
    drop = scratch / f"refresh-{refresh_rows}"
    if not any(drop.glob("*.parquet")):
        run_measured(
            "generate refresh",
            [SUPPORTLAKE, "generate", "tickets", "--rows", str(refresh_rows), "--seed", "1"]
            + ["--out", str(drop)],
        )
    env = {
        "SUPPORTLAKE_WAREHOUSE": str(scratch / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(scratch / "lake"),
        "SUPPORTLAKE_PREFECT_HOME": str(scratch / "prefect"),
    }
    label = f"{refresh_rows:,} new into {rows:,}"
    full_rebuild = (
        "from supportlake.settings import get_settings; from supportlake.transform import "
        "WITHOUT_UNIT_TESTS, run_dbt; "
        "run_dbt(['build', '--full-refresh', *WITHOUT_UNIT_TESTS], get_settings())"
    )
    log = scratch / "lake" / "logs" / "dbt" / "dbt.log"
    ingest = run_measured(
        f"refresh ingest {label}", [SUPPORTLAKE, "ingest", str(drop), "--source", "tickets"], env
    )
    offset = log.stat().st_size if log.exists() else 0
    build = run_measured(f"refresh build {label} (incremental)", [SUPPORTLAKE, "build"], env)
    nodes = node_seconds(log, offset)
    rebuild = run_measured(
        f"baseline: build --full-refresh after {label}", [PYTHON, "-c", full_rebuild], env
    )
    return [ingest, build, rebuild], nodes


# A finished node in dbt's log: "12 of 303 OK created sql table model marts.x ... [OK in 1.2s]"
NODE_LINE = re.compile(
    r"\d+ of \d+ (OK created \S+ \S+ model|PASS|WARN|FAIL) (\S+).*in ([\d.]+)s\]"
)


def node_seconds(log: Path, offset: int) -> str:
    """Where a build's time went, from the part of dbt's log it wrote (after `offset`): the
    models' and the data tests' summed node seconds and the slowest of each."""
    text = log.read_bytes()[offset:].decode("utf-8", errors="replace")
    models: dict[str, float] = {}
    tests: dict[str, float] = {}
    for match in NODE_LINE.finditer(text):
        kind, name, seconds = match.groups()
        (models if kind.startswith("OK") else tests)[name] = float(seconds)

    def slowest(nodes: dict[str, float]) -> str:
        top = sorted(nodes.items(), key=lambda item: -item[1])[:8]
        return ", ".join(f"{name} {seconds:.1f}" for name, seconds in top)

    return (
        f"{len(models)} models {sum(models.values()):.1f} s (slowest: {slowest(models)}); "
        f"{len(tests)} data tests {sum(tests.values()):.1f} s (slowest: {slowest(tests)})"
    )


def compare_duckdb(rows: int, other_version: str, rounds: int) -> tuple[list[Measurement], str]:
    """Pinned DuckDB and `other_version`, interleaved; the best round of each is compared."""
    import duckdb

    runs: dict[str, list[list[Measurement]]] = {duckdb.__version__: [], other_version: []}
    for _ in range(rounds):
        runs[duckdb.__version__].append(measure_pipeline(rows))
        runs[other_version].append(measure_pipeline(rows, other_version))
    best = {
        version: min(rounds_, key=lambda steps: sum(step.seconds for step in steps))
        for version, rounds_ in runs.items()
    }
    pinned = sum(step.seconds for step in best[duckdb.__version__])
    other = sum(step.seconds for step in best[other_version])
    verdict = (
        f"ingest + build of {rows:,} tickets, best of {rounds} interleaved rounds: "
        f"DuckDB {duckdb.__version__} {pinned:.1f} s, DuckDB {other_version} {other:.1f} s "
        f"({(pinned / other - 1) * 100:+.1f}% for the pinned version)"
    )
    return best[duckdb.__version__] + best[other_version], verdict


def table(measurements: list[Measurement]) -> str:
    lines = [
        "| step | wall s | CPU s | peak RSS (MB) |",
        "|---|---:|---:|---:|",
    ]
    for item in measurements:
        lines.append(
            f"| {item.label} | {item.seconds:.1f} | {item.cpu_seconds:.1f} "
            f"| {item.peak_rss_mb:,.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--baseline-rows", type=int, default=2_000_000)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--compare-duckdb", metavar="VERSION", help="e.g. 2.0.0")
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds per version")
    parser.add_argument("--refresh-rows", type=int, help="then time an hourly refresh of N")
    parser.add_argument("--no-baseline", action="store_true", help="skip the pandas baseline")
    args = parser.parse_args()

    if args.compare_duckdb:
        measurements, verdict = compare_duckdb(args.rows, args.compare_duckdb, args.rounds)
        print(table(measurements))
        print(verdict)
        if args.record:
            append_section(
                "Ticket pipeline: DuckDB versions", f"{table(measurements)}\n\n{verdict}"
            )
        return

    measurements = measure_pipeline(args.rows)
    ingest, build = measurements
    total_seconds = ingest.seconds + build.seconds
    peak = max(ingest.peak_rss_mb, build.peak_rss_mb)
    if not args.no_baseline:
        baseline_landing = generate_once(args.baseline_rows) / "lake" / "landing" / "tickets"
        measurements.append(
            run_measured(
                f"baseline: notebook pandas {args.baseline_rows:,}",
                [
                    PYTHON,
                    str(ROOT / "benchmarks" / "baseline_notebook_pandas.py"),
                    str(baseline_landing),
                ],
            )
        )
    verdict = (
        f"ingest + build of {args.rows:,} tickets: {total_seconds:.1f} s "
        f"(goal <= 120 s), peak {peak / 1024:.2f} GB (goal <= 6 GB)"
    )
    if args.refresh_rows:
        refresh, nodes = measure_refresh(args.rows, args.refresh_rows)
        measurements += refresh
        verdict += (
            f"; hourly refresh of {args.refresh_rows:,} new tickets: ingest + incremental "
            f"build {refresh[0].seconds + refresh[1].seconds:.1f} s (goal <= 15 s for 100k "
            f"into 10M), full rebuild {refresh[2].seconds:.1f} s.\n\nThe incremental build's "
            f"dbt node seconds: {nodes}"
        )
    print(table(measurements))
    print(verdict)
    if args.record:
        append_section("Ticket pipeline: ingest + dbt build", f"{table(measurements)}\n\n{verdict}")


if __name__ == "__main__":
    main()
