"""Ticket history at scale: whole `supportlake` commands as a user runs them (process start
included), time and peak memory, beside a flat-only baseline measured in the same run.

    .venv/bin/python benchmarks/bench_ticket_history.py [--tickets 1000000] [--record]

    setup (timed, not part of the goal): `generate tickets`, `generate ticket-events`
    baseline: a flat-only export, `ingest` of the tickets + `build` (the ticket marts)
    history:  the tickets and their events, `ingest` + `build` (ticket marts and the
              ticket-history models: timelines, metrics, SLA events, backlog, agents)
    refresh:  one more events file (a later export: 1% of the tickets' next events, some
              repeated), `ingest` + `build` of what that load changed, against
              `build --full-refresh` of the same warehouse (the refresh's baseline)

Goal (issue 14, 2 cores): 1M tickets with ~10M events, ingest + build <= 120 s, <= 6 GB.
The history's events-per-ticket ratio is the generator's; the figures say how many events
were written.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import Measurement, append_section, run_measured

ROOT = Path(__file__).resolve().parents[1]
SUPPORTLAKE = str(ROOT / ".venv" / "bin" / "supportlake")
SCRATCH = ROOT / ".state" / "bench" / "ticket_history"
GOAL_SECONDS, GOAL_MB = 120.0, 6 * 1024


def environment(name: str) -> dict[str, str]:
    """Its own warehouse, lake and Prefect home per run; no Prefect API."""
    home = SCRATCH / name
    return {
        "SUPPORTLAKE_WAREHOUSE": str(home / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(home / "lake"),
        "SUPPORTLAKE_MODELS_DIR": str(home / "models"),
        "PREFECT_HOME": str(home / "prefect"),
    }


def supportlake(label: str, name: str, *args: str) -> Measurement:
    log = SCRATCH / f"{name}.log"
    shell = ["sh", "-c", f'exec "$0" "$@" >> {log} 2>&1', SUPPORTLAKE, *args]
    measured = run_measured(label, shell, env=environment(name))
    # Each step as it ends: a long run that fails late keeps what it measured.
    print(table([measured]).splitlines()[-1], flush=True)
    return measured


def generate(tickets: int, seed: int) -> tuple[list[Measurement], Path, Path, int]:
    """Tickets and their histories, once, in the data folder both runs load from."""
    data = SCRATCH / "data"
    tickets_dir, events_dir = data / "tickets", data / "ticket_events"
    for folder in (tickets_dir, events_dir):
        folder.mkdir(parents=True, exist_ok=True)
    measured = [
        supportlake(
            "setup: generate tickets", "data", "generate", "tickets", "--rows", str(tickets),
            "--seed", str(seed), "--out", str(tickets_dir),
        ),
        supportlake(
            "setup: generate ticket-events", "data", "generate", "ticket-events", "--tickets",
            str(tickets_dir), "--seed", str(seed), "--out", str(events_dir),
        ),
    ]  # fmt: skip
    [events_file] = events_dir.glob("ticket-events-*.jsonl")
    return measured, tickets_dir, events_file, sum(1 for _ in events_file.open())


def later_export(events_file: Path, share: float = 0.01) -> Path:
    """A later incremental export: every 100th ticket's last events again (repeats the
    warehouse must drop) and one new public agent comment each (new events)."""
    later = SCRATCH / "data" / "later" / "ticket-events-later.jsonl"
    later.parent.mkdir(parents=True, exist_ok=True)
    step = round(1 / share)
    last: dict[str, dict] = {}
    with events_file.open() as handle:
        for line in handle:
            event = json.loads(line)
            last[event["ticket_id"]] = event
    with later.open("w") as out:
        for number, (ticket_id, event) in enumerate(sorted(last.items())):
            if number % step:
                continue
            out.write(json.dumps(event) + "\n")
            out.write(json.dumps({
                "event_id": f"{event['event_id']}-later", "ticket_id": ticket_id,
                "created_at": event["created_at"], "author_id": event["author_id"],
                "author_role": "agent", "event_type": "Comment", "is_public": True,
                "body": "A later update.",
            }) + "\n")  # fmt: skip
    return later


def run(tickets: int, seed: int) -> tuple[list[Measurement], int]:
    shutil.rmtree(SCRATCH, ignore_errors=True)
    SCRATCH.mkdir(parents=True)
    measured, tickets_dir, events_file, events = generate(tickets, seed)
    # Baseline and history steps alternate, so both see the same load on the machine.
    measured += [
        supportlake(
            "baseline: ingest tickets (flat-only)", "baseline", "ingest", str(tickets_dir),
            "--source", "tickets",
        ),
        supportlake(
            "history: ingest tickets", "history", "ingest", str(tickets_dir), "--source",
            "tickets",
        ),
        supportlake(
            f"history: ingest {events:,} events", "history", "ingest", str(events_file),
            "--source", "ticket_events",
        ),
        supportlake("baseline: build (ticket marts)", "baseline", "build"),
        supportlake("history: build (ticket marts + history models)", "history", "build"),
    ]  # fmt: skip
    later = later_export(events_file)
    measured += [
        supportlake(
            "refresh: ingest a later events export", "history", "ingest", str(later),
            "--source", "ticket_events",
        ),
        supportlake("refresh: build what that load changed", "history", "build"),
        # the refresh's baseline: every model rebuilt from all rows of the same warehouse
        supportlake(
            "refresh baseline: build --full-refresh of the same warehouse", "history", "build",
            "--full-refresh",
        ),
    ]  # fmt: skip
    return measured, events


def history_counts() -> str:
    """What the history build produced, read from its warehouse (read-only)."""
    sql = (
        "select (select count(*) from marts.ticket_event_metrics), "
        "(select count(*) from marts.ticket_status_timeline), "
        "(select count(*) from marts.ticket_sla_events)"
    )
    duckdb_cli = [str(ROOT / ".venv" / "bin" / "python"), "-c", (
        "import duckdb,sys; c=duckdb.connect(sys.argv[1], read_only=True); "
        f"print(c.execute({sql!r}).fetchone())"
    ), environment("history")["SUPPORTLAKE_WAREHOUSE"]]  # fmt: skip
    return subprocess.run(duckdb_cli, capture_output=True, text=True, check=True).stdout.strip()


def table(measured: list[Measurement]) -> str:
    lines = ["| step | wall s | CPU s | peak RSS MB |", "|---|---:|---:|---:|"]
    lines += [
        f"| {m.label} | {m.seconds:.1f} | {m.cpu_seconds:.1f} | {m.peak_rss_mb:,.0f} |"
        for m in measured
    ]
    return "\n".join(lines)


def summary(measured: list[Measurement], tickets: int, events: int) -> str:
    """Totals, and what the events add over the flat-only baseline, extrapolated to 10M
    events by their marginal CPU time (the fixed cost of dbt and the ticket marts is in
    both runs; wall times on a loaded machine say little, CPU seconds are what it costs)."""
    history = [m for m in measured if m.label.startswith("history")]
    baseline = [m for m in measured if m.label.startswith("baseline")]
    seconds, cpu = sum(m.seconds for m in history), sum(m.cpu_seconds for m in history)
    base_seconds = sum(m.seconds for m in baseline)
    base_cpu = sum(m.cpu_seconds for m in baseline)
    per_million = (cpu - base_cpu) / events * 1_000_000
    peak = max(m.peak_rss_mb for m in history)
    return (
        f"{tickets:,} tickets, {events:,} events: ingest + build {seconds:.1f} s wall, "
        f"{cpu:.1f} CPU s (flat-only baseline {base_seconds:.1f} s wall, {base_cpu:.1f} CPU s); "
        f"peak RSS {peak:,.0f} MB (goal {GOAL_MB:,} MB; bounded by DuckDB's memory_limit). "
        f"The events add {cpu - base_cpu:.1f} CPU s, {per_million:.1f} CPU s per million "
        f"events: at 10M events ~{10 * per_million:.0f} CPU s, i.e. ~{10 * per_million / 2:.0f} "
        f"s on 2 idle cores, plus the baseline's fixed cost (goal {GOAL_SECONDS:.0f} s)."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--record", action="store_true", help="append to docs/benchmarks.md")
    args = parser.parse_args()
    measured, events = run(args.tickets, args.seed)
    counts = history_counts()
    body = "\n\n".join([
        table(measured),
        summary(measured, args.tickets, events),
        f"History marts (ticket_event_metrics, ticket_status_timeline, ticket_sla_events "
        f"rows): {counts}. Load average at the end: "
        f"{' '.join(f'{value:.1f}' for value in os.getloadavg())} (other jobs running: "
        f"figures under load).",
    ])  # fmt: skip
    print(body)
    if args.record:
        append_section(
            f"Ticket history at scale: {args.tickets:,} tickets, {events:,} events", body
        )


if __name__ == "__main__":
    main()
