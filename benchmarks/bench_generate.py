"""Ticket generator benchmark: rows/s and peak RSS of `generate_tickets` beside a naive per-row
Python generator (random module, one dict per row, csv module) in the same run.

    .venv/bin/python benchmarks/bench_generate.py --rows 2000000 --naive-rows 100000 [--record]

Each contender runs in its own process, so its peak RSS is its own (for the partitioned
generator: the largest of its processes, parent or worker). supportlake also runs at a fifth of
--rows to show that peak memory does not grow with the row count. --record appends the table,
dated and with os.cpu_count(), to the `## Ticket generator` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BENCHMARKS_DOC, machine_line

SECTION = "## Ticket generator"


@dataclass
class Run:
    contender: str
    rows: int
    seconds: float
    cpu_seconds: float  # user + system of the process tree: its cost, however busy the machine
    peak_rss_mb: float
    megabytes: float


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--naive-rows", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--format", default="parquet", help="supportlake's output format")
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    parser.add_argument("--child", nargs=3, metavar=("CONTENDER", "ROWS", "OUT"))
    args = parser.parse_args()
    if args.child:
        contender, rows, out = args.child
        _run_contender(contender, int(rows), Path(out), args.workers, args.format)
        return

    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as scratch:
        plan = [
            ("supportlake", args.rows),
            ("supportlake", max(1, args.rows // 5)),
            ("naive", args.naive_rows),
        ]
        for number, (contender, rows) in enumerate(plan):
            out = Path(scratch) / f"{number}-{contender}"
            runs.append(_measure(contender, rows, out, args.workers, args.format))
            print(runs[-1], flush=True)
    table = _table(runs, args.workers, args.format, os.getloadavg()[0])
    print(table)
    if args.record:
        _record(table)
        print(f"recorded in {BENCHMARKS_DOC}")


def _measure(contender: str, rows: int, out: Path, workers: int, file_format: str) -> Run:
    command = [
        sys.executable, __file__, "--child", contender, str(rows), str(out),
        "--workers", str(workers), "--format", file_format,
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{contender} failed")
    report = json.loads(output.strip().splitlines()[-1])
    return Run(
        contender,
        report["rows"],
        seconds,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        report["megabytes"],
    )


def _run_contender(contender: str, rows: int, out: Path, workers: int, file_format: str) -> None:
    """Child process: generate, then print one JSON line with what was written."""
    if contender == "supportlake":
        from supportlake.generate import generate_tickets

        summary = generate_tickets(
            out, rows, workers=workers, formats=(file_format,), progress=False
        )
        written = summary.rows
    else:
        written = naive_generate(out / "tickets.csv", rows)
    megabytes = sum(path.stat().st_size for path in out.iterdir()) / 1e6
    print(json.dumps({"rows": written, "megabytes": megabytes}))


def naive_generate(path: Path, rows: int, seed: int = 0) -> int:
    """The obvious generator: one dict per ticket from the random module, written by csv."""
    from supportlake.generate import vocabulary as vocab
    from supportlake.sources import TICKETS

    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=TICKETS.columns)
        writer.writeheader()
        for number in range(rows):
            category = rng.choice(vocab.CATEGORIES)
            priority = rng.choice(vocab.PRIORITIES)
            product = rng.choice(vocab.PRODUCT_LINES)
            created = start + timedelta(seconds=rng.randrange(2 * 365 * 86_400))
            responded = created + timedelta(minutes=rng.lognormvariate(4, 1))
            resolved = responded + timedelta(minutes=rng.lognormvariate(6, 1))
            feature = rng.choice(vocab.PRODUCT_FEATURES[product])
            message = (
                f"{rng.choice(vocab.GREETINGS)}{rng.choice(vocab.MESSAGE_HEADS[category])}"
                f"{feature}. {rng.choice(vocab.DETAILS[category])}"
                f"{rng.choice(vocab.URGENCY_CUES[priority])}{rng.choice(vocab.CLOSINGS)}"
            )
            minutes = round((resolved - created).total_seconds() / 60)
            writer.writerow(
                {
                    "ticket_id": f"TKT-{number + 1:010d}",
                    "customer_id": f"CUST-{rng.randrange(1, rows // 4 + 2):07d}",
                    "created_at": created.isoformat(),
                    "first_response_at": responded.isoformat(),
                    "resolved_at": resolved.isoformat(),
                    "status": rng.choice(vocab.STATUSES),
                    "priority": priority,
                    "category": category,
                    "channel": rng.choice(vocab.CHANNELS),
                    "queue": rng.choice(vocab.QUEUES),
                    "product_line": product,
                    "agent_id": f"AGT-{rng.randrange(1, 81):04d}",
                    "subject": f"{rng.choice(vocab.SUBJECT_HEADS[category])} - {product}",
                    "message": message,
                    "escalated": rng.random() < 0.1,
                    "satisfaction_score": rng.randint(1, 5),
                    "sla_breach": minutes > 1440,
                    "reopened_count": rng.choice((0, 0, 0, 1)),
                    "resolution_minutes": minutes,
                }
            )
    return rows


def _table(runs: list[Run], workers: int, file_format: str, load: float) -> str:
    labels = {
        "supportlake": f"generate_tickets ({file_format}, {workers} worker processes)",
        "naive": "naive per-row Python (random, dict per row, csv module)",
    }
    lines = [
        f"Measured {machine_line()} (os.cpu_count() = {os.cpu_count()}; load average "
        f"{load:.1f} at the end: the machine was shared with other work, so wall time is "
        "inflated; rows per CPU-second is what a run costs). Each run in a fresh process; "
        "times include Python start-up and imports.",
        "",
        "| contender | rows | wall s | CPU s | rows/s (wall) | rows per CPU-second "
        "| peak RSS (MB) | output (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        lines.append(
            f"| {labels[run.contender]} | {run.rows:,} | {run.seconds:.1f} | "
            f"{run.cpu_seconds:.1f} | {run.rows / run.seconds:,.0f} | "
            f"{run.rows / run.cpu_seconds:,.0f} | {run.peak_rss_mb:,.0f} | {run.megabytes:,.0f} |"
        )
    return "\n".join(lines)


def _record(table: str) -> None:
    """Append a dated run at the end of the `## Ticket generator` section (history is kept)."""
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    entry = f"### Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n\n{table}\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    match = pattern.search(text)
    if match:
        section = match.group(0).rstrip() + "\n\n" + entry + "\n"
        text = text[: match.start()] + section + text[match.end() :]
    else:
        text = (
            text.rstrip()
            + f"\n\n{SECTION}\n\n`benchmarks/bench_generate.py --rows N --naive-rows M`: "
            "synthetic tickets written to a temporary folder; the partitioned generator "
            "beside a naive per-row Python generator. Runs are appended, newest last.\n\n" + entry
        )
    BENCHMARKS_DOC.parent.mkdir(parents=True, exist_ok=True)
    BENCHMARKS_DOC.write_text(text.rstrip() + "\n")


if __name__ == "__main__":
    main()
