"""End-to-end ticket pipeline benchmark: generate N tickets, then time `supportlake ingest` and
`supportlake build` (dbt: all models, unit and data tests, parquet exports), each in its own
process with its peak memory; beside the old notebook's pandas approach on the same files.

    .venv/bin/python benchmarks/bench_pipeline.py --rows 10000000 [--baseline-rows N] [--record]

Goals (issue 2): ingest + build <= 120 s and <= 6 GB peak for 10M tickets on 2 cores.
Generated data is kept under .state/bench/ so a re-run measures ingest and build only.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measurement, append_section, run_measured  # noqa: E402

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


def measure_pipeline(rows: int) -> list[Measurement]:
    scratch = generate_once(rows)
    warehouse = scratch / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    shutil.rmtree(scratch / "lake" / "exports", ignore_errors=True)
    env = {
        "SUPPORTLAKE_WAREHOUSE": str(warehouse),
        "SUPPORTLAKE_LAKE": str(scratch / "lake"),
        "SUPPORTLAKE_PREFECT_HOME": str(scratch / "prefect"),
    }
    return [
        run_measured(f"ingest {rows:,}", [SUPPORTLAKE, "ingest"], env),
        run_measured(f"dbt build {rows:,}", [SUPPORTLAKE, "build"], env),
    ]


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
    args = parser.parse_args()

    measurements = measure_pipeline(args.rows)
    ingest, build = measurements
    total_seconds = ingest.seconds + build.seconds
    peak = max(ingest.peak_rss_mb, build.peak_rss_mb)
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
    print(table(measurements))
    print(verdict)
    if args.record:
        append_section("Ticket pipeline: ingest + dbt build", f"{table(measurements)}\n\n{verdict}")


if __name__ == "__main__":
    main()
