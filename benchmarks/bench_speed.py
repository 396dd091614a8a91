"""Every speed goal of issue 18 in one run, each beside its baseline measured in the same run,
with the machine's core count and load average; --record adds the table to the section
"## Speed goals, one run" of docs/benchmarks.md.

    .venv/bin/python benchmarks/bench_speed.py --tickets 10000000 --refresh 100000 \
        --chats 20000 200000 --big-chats 1000000 --api-seconds 20 --baseline-ref a8169a7 \
        [--rows commands chats big-chats api demo tickets] [--deadline 02:20] [--record]

Rows (whole processes as a user runs them, process start included):
- commands: `supportlake ingest` of a 1-row CSV into an existing warehouse, and `supportlake
  build` when nothing new was loaded; baseline: the same commands of --baseline-ref (the code
  before this round), from a clone of it, interleaved round by round;
- chats: generated chat exports -> `ingest` -> `build` -> `export chats`, each its own process,
  into a warehouse built once while empty (as after the install); baseline: the pandas script
  (baseline_chats_pandas.py) on the same files;
- big-chats: the same at --big-chats, in messages/s; baseline: the pandas script at the
  largest --chats size;
- tickets: `ingest` + `build` of --tickets generated tickets into an empty warehouse (peak RSS),
  beside the old notebook's pandas (baseline_notebook_pandas.py) on min(--tickets, 2M); then
  the hourly refresh: --refresh new tickets ingested and built, beside `build --full-refresh`;
- api: bench_api_load.py (Debian's `hey`, 500 req/s offered, alone and beside an ingest), the
  API of --baseline-ref in the same run;
- demo: `make demo` on a fresh clone of this checkout's HEAD, after the install (the venv is
  linked, the DuckDB extensions copied, neither timed); baseline: the same for --baseline-ref.

Generated inputs are kept under .state/bench/speed (generation is not timed); --prepare makes
them and the baseline clone, then stops. --deadline HH:MM (UTC) skips the rows not yet started
by then, saying so in the table. Run it from a clean clone to measure committed code only:
every process it starts imports this checkout (PYTHONPATH).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BENCHMARKS_DOC, Measurement, machine_line, run_measured

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
VENV = Path(PYTHON).parents[1]
SCRATCH = ROOT / ".state" / "bench" / "speed"
FIXTURES = ROOT / "tests" / "fixtures" / "landing"
SECTION = "## Speed goals, one run"
PREFECT = "through Prefect"
CLI = "import sys; from supportlake.cli import app; sys.argv[0] = 'supportlake'; app()"
ALL_ROWS = ("commands", "chats", "big-chats", "api", "demo", "tickets")
# --parallel: these lanes run side by side (on a machine other work keeps busy, each lane gets
# about the share it would get alone); rows within a lane, and each row's baseline pairs,
# run as without it.
LANES = (("commands", "chats", "big-chats"), ("tickets",), ("demo",), ("api",))


@dataclass
class Row:
    measure: str
    baseline: str
    now: str
    goal: str
    state: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Tree:
    """A checkout whose code a command runs: this one, or a clone at the baseline revision."""

    name: str
    path: Path

    def command(self, *args: str) -> list[str]:
        return [PYTHON, "-c", CLI, *args]

    def environment(self, work: Path) -> dict[str, str]:
        return {
            "PYTHONPATH": str(self.path),
            "SUPPORTLAKE_WAREHOUSE": str(work / "warehouse.duckdb"),
            "SUPPORTLAKE_LAKE": str(work / "lake"),
            "SUPPORTLAKE_MODELS_DIR": str(work / "models"),
            "SUPPORTLAKE_PREFECT_HOME": str(work / "prefect"),
            "PREFECT_HOME": str(work / "prefect"),
        }

    def run(
        self, label: str, work: Path, *args: str, extra: dict[str, str] | None = None
    ) -> Measurement:
        """One whole command; its output goes to work/commands.log."""
        work.mkdir(parents=True, exist_ok=True)
        log = work / "commands.log"
        shell = ["sh", "-c", f'exec "$0" "$@" >> "{log}" 2>&1', *self.command(*args)]
        return run_measured(label, shell, self.environment(work) | (extra or {}))


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def seconds(item: Measurement) -> str:
    return f"{item.seconds:.1f} s wall / {item.cpu_seconds:.1f} CPU s"


def clone(revision: str, folder: Path) -> Path:
    """A clone of this repository at `revision` with the DuckDB extensions copied in (part of
    the install, not timed) and the venv linked."""
    if not (folder / ".git").exists():
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(folder)], check=True)
        subprocess.run(["git", "-C", str(folder), "checkout", "--quiet", revision], check=True)
    link = folder / ".venv"
    if not link.exists():
        link.symlink_to(VENV)
    extensions = [PYTHON, "-m", "supportlake.extensions"]
    subprocess.run(
        extensions,
        cwd=folder,
        env=os.environ | {"PYTHONPATH": str(folder)},
        check=True,
        capture_output=True,
    )
    return folder


def baseline_tree(revision: str) -> Tree:
    return Tree(f"baseline {revision}", clone(revision, SCRATCH / f"tree-{revision}"))


# --- commands: 1-row ingest, build with nothing new --------------------------------------------


def fixtures_warehouse(tree: Tree) -> Path:
    """The test fixtures' exports ingested and built once by `tree` (made once, not timed)."""
    ready = SCRATCH / "commands" / f"ready-{tree.name.replace(' ', '-')}"
    if not (ready / ".done").exists():
        shutil.rmtree(ready, ignore_errors=True)
        tree.run("setup: ingest fixtures", ready, "ingest", str(FIXTURES))
        tree.run("setup: first build", ready, "build")
        (ready / ".done").touch()
    return ready


def commands_row(current: Tree, baseline: Tree, rounds: int) -> list[Row]:
    """In a copy of each tree's built fixtures warehouse: builds with nothing new, then 1-row
    ingests, the two trees interleaved round by round."""
    works = {}
    for tree in (current, baseline):
        ready = fixtures_warehouse(tree)
        works[tree.name] = SCRATCH / "commands" / tree.name.replace(" ", "-")
        shutil.rmtree(works[tree.name], ignore_errors=True)
        shutil.copytree(ready, works[tree.name])
    ingests: dict[str, list[Measurement]] = {current.name: [], baseline.name: [], PREFECT: []}
    builds: dict[str, list[Measurement]] = {current.name: [], baseline.name: []}
    for _ in range(rounds):
        for tree in (current, baseline):
            builds[tree.name].append(tree.run("build", works[tree.name], "build"))
    for index in range(rounds):
        for tree in (current, baseline):
            row = works[tree.name] / "new" / f"row-{index}.csv"
            row.parent.mkdir(parents=True, exist_ok=True)
            row.write_text(f"ticket_id,category\nS-{index},Billing\n")
            ingests[tree.name].append(
                tree.run("ingest", works[tree.name], "ingest", str(row), "--source", "tickets")
            )
        row = works[current.name] / "new" / f"prefect-{index}.csv"  # as before direct runs
        row.write_text(f"ticket_id,category\nP-{index},Billing\n")
        ingests[PREFECT].append(
            current.run(
                "ingest",
                works[current.name],
                "ingest",
                str(row),
                "--source",
                "tickets",
                extra={"SUPPORTLAKE_PREFECT": "always"},
            )  # fmt: skip
        )

    def median(items: list[Measurement]) -> Measurement:
        return sorted(items, key=lambda item: item.seconds)[len(items) // 2]

    def each(items: list[Measurement]) -> str:
        return ", ".join(f"{item.seconds:.1f}" for item in items)

    rows = []
    for label, runs, goal in (
        ("`supportlake ingest` of one 1-row CSV into an existing warehouse", ingests, 3.0),
        ("`supportlake build` when nothing new was loaded", builds, 5.0),
    ):
        now, base = median(runs[current.name]), median(runs[baseline.name])
        baselines = f"{baseline.name}: {seconds(base)} (runs {each(runs[baseline.name])})"
        if runs.get(PREFECT):
            baselines += (
                f"; through Prefect's own server as before direct runs: "
                f"{seconds(median(runs[PREFECT]))}"
            )
        rows.append(
            Row(
                label,
                baselines,
                f"{seconds(now)} (runs {each(runs[current.name])})",
                f"<= {goal:.0f} s",
                verdict(now, goal),
                [f"median of {rounds} interleaved rounds"],
            )
        )
    return rows


def verdict(item: Measurement, goal: float) -> str:
    """Met on the wall clock, or, a single process on a busy machine, on its CPU seconds."""
    if item.seconds <= goal:
        return "met"
    if item.cpu_seconds <= goal:
        return f"met in CPU seconds ({item.cpu_seconds:.1f}); the wall time is the machine's load"
    return f"missed by {item.seconds - goal:.1f} s"


# --- chats -------------------------------------------------------------------------------------


def generated_chats(chats: int) -> Path:
    landing = SCRATCH / f"chats-{chats}" / "landing"
    if not any(landing.glob("chats/*.parquet")):
        shutil.rmtree(landing, ignore_errors=True)
        run_measured(
            "generate chats",
            [
                PYTHON,
                "-c",
                CLI,
                "generate",
                "chats",
                "--rows",
                str(chats),
                "--out",
                str(landing / "chats"),
            ],
        )
    return landing


def empty_built_warehouse(current: Tree) -> Path:
    """A warehouse with every model built once on empty raw tables, as after the install."""
    work = SCRATCH / "chats-work"
    template = SCRATCH / "chats-empty.duckdb"
    if not template.exists():
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        create = (
            "from supportlake.raw_schema import ensure_raw_schema; "
            "from supportlake.settings import get_settings; "
            "from supportlake.warehouse import open_warehouse\n"
            "with open_warehouse(get_settings()) as connection: ensure_raw_schema(connection)"
        )
        run_measured("create warehouse", [PYTHON, "-c", create], current.environment(work))
        current.run("build empty warehouse", work, "build", "--all")
        shutil.copy(work / "warehouse.duckdb", template)
    return template


def chat_processes(current: Tree, chats: int) -> dict:
    """ingest, build, export chats of `chats` generated chats, each its own process, into a
    copy of the empty built warehouse (same path every time: dbt's partial parse holds)."""
    landing = generated_chats(chats)
    work = SCRATCH / "chats-work"
    shutil.copy(empty_built_warehouse(current), work / "warehouse.duckdb")
    shutil.rmtree(work / "out", ignore_errors=True)
    steps = [
        current.run("ingest", work, "ingest", str(landing)),
        current.run("build", work, "build"),
        current.run("export", work, "export", "chats", "--out", str(work / "out")),
    ]
    messages = count_records(work / "out" / "messages.csv")
    return {
        "steps": steps,
        "wall": sum(step.seconds for step in steps),
        "cpu": sum(step.cpu_seconds for step in steps),
        "rss_mb": max(step.peak_rss_mb for step in steps),
        "chats": count_records(work / "out" / "chats.csv"),
        "messages": messages,
    }


def count_records(path: Path) -> int:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def pandas_chats(chats: int) -> dict:
    landing = generated_chats(chats)
    out = SCRATCH / "pandas-out"
    shutil.rmtree(out, ignore_errors=True)
    script = str(ROOT / "benchmarks" / "baseline_chats_pandas.py")
    log = SCRATCH / "pandas.json"
    item = run_measured(
        "pandas", ["sh", "-c", f'exec "$0" "$@" > "{log}"', PYTHON, script, str(landing), str(out)]
    )
    report = json.loads(log.read_text().strip().splitlines()[-1])
    return {"measurement": item, "chats": report["chats"], "messages": report["messages"]}


def chats_rows(current: Tree, sizes: list[int], big: int | None) -> list[Row]:
    rows, pandas_rate = [], None
    for chats in sizes:
        ours = chat_processes(current, chats)
        script = pandas_chats(chats)
        base = script["measurement"]
        ratio = base.seconds / ours["wall"]
        goal = 3.0 if chats >= 200_000 else 1.0
        agree = (ours["chats"], ours["messages"]) == (script["chats"], script["messages"])
        stages = ", ".join(f"{step.label} {seconds(step)}" for step in ours["steps"])
        rows.append(
            Row(
                f"chats: ingest -> build -> export, whole processes, {chats:,} chats",
                f"pandas script: {seconds(base)}",
                f"{ours['wall']:.1f} s wall / {ours['cpu']:.1f} CPU s: **{ratio:.2f}x** "
                f"(CPU {base.cpu_seconds / ours['cpu']:.2f}x)",
                f">= {goal:.0f}x",
                "met" if ratio >= goal else f"missed: {ratio:.2f}x of {goal:.0f}x",
                [
                    f"{stages}; {ours['messages']:,} messages, {ours['chats']:,} chats out "
                    f"({'same as' if agree else 'DIFFERENT from'} the script)"
                ],
            )
        )
        pandas_rate = (chats, script["messages"] / base.seconds)
    if big:
        ours = chat_processes(current, big)
        rate = ours["messages"] / ours["wall"]
        baseline = "not measured (no --chats size)"
        state = "met" if rate >= 500_000 else f"missed: {rate / 500_000:.1%} of the goal"
        if pandas_rate:
            baseline = (
                f"pandas script at {pandas_rate[0]:,} chats: {pandas_rate[1]:,.0f} messages/s"
            )
            versus = rate / pandas_rate[1]
            state += f"; {versus:.1f}x the script"
        stages = ", ".join(f"{step.label} {seconds(step)}" for step in ours["steps"])
        rows.append(
            Row(
                f"{big:,}-chat export -> both CSVs (ingest, build, export processes), messages/s",
                baseline,
                f"{rate:,.0f} messages/s ({ours['messages']:,} messages in {ours['wall']:.1f} s "
                f"wall, {ours['messages'] / ours['cpu']:,.0f} per CPU s), "
                f"peak {ours['rss_mb']:,.0f} MB",
                ">= 500,000 messages/s, >= 10x the script",
                state,
                [stages],
            )
        )
    return rows


# --- tickets: from empty, and the hourly refresh ------------------------------------------------


def generated_tickets(rows: int, seed: int, name: str) -> Path:
    folder = SCRATCH / name
    if not any(folder.glob("*.parquet")):
        shutil.rmtree(folder, ignore_errors=True)
        generate = ["generate", "tickets", "--rows", str(rows), "--seed", str(seed)]
        run_measured("generate tickets", [PYTHON, "-c", CLI, *generate, "--out", str(folder)])
    return folder


def tickets_rows(current: Tree, tickets: int, refresh: int | None) -> list[Row]:
    landing = generated_tickets(tickets, 0, f"tickets-{tickets}")
    work = SCRATCH / "tickets-work"
    shutil.rmtree(work, ignore_errors=True)
    ingest = current.run("ingest", work, "ingest", str(landing), "--source", "tickets")
    build = current.run("build", work, "build")
    pandas_rows = min(tickets, 2_000_000)
    pandas_landing = (
        landing
        if pandas_rows == tickets
        else generated_tickets(pandas_rows, 0, f"tickets-{pandas_rows}")
    )
    script = str(ROOT / "benchmarks" / "baseline_notebook_pandas.py")
    quiet = ["sh", "-c", 'exec "$0" "$@" > /dev/null']
    pandas = run_measured("pandas", [*quiet, PYTHON, script, str(pandas_landing)])
    total = ingest.seconds + build.seconds
    peak = max(ingest.peak_rss_mb, build.peak_rss_mb) / 1024
    met = total <= 120 and peak <= 6
    rows = [
        Row(
            f"{tickets:,} tickets: ingest + build from empty",
            f"old notebook's pandas on {pandas_rows:,} tickets: {seconds(pandas)}, "
            f"peak {pandas.peak_rss_mb / 1024:.2f} GB (summary figures only, no marts)",
            f"{total:.1f} s wall / {ingest.cpu_seconds + build.cpu_seconds:.1f} CPU s, "
            f"peak {peak:.2f} GB",
            "<= 120 s, peak <= 6 GB" + ("" if tickets >= 10_000_000 else " (at 10M)"),
            ("met" if met else f"missed by {total - 120:.0f} s")
            + ("" if tickets >= 10_000_000 else f" at {tickets:,}, not 10M"),
            [f"ingest {seconds(ingest)}, build {seconds(build)}"],
        )
    ]
    if refresh:
        drop = generated_tickets(refresh, 1, f"refresh-{refresh}")
        new_ingest = current.run("refresh ingest", work, "ingest", str(drop), "--source", "tickets")
        new_build = current.run("refresh build", work, "build")
        rebuild = current.run("full rebuild", work, "build", "--full-refresh")
        cost = new_ingest.seconds + new_build.seconds
        rows.append(
            Row(
                f"hourly refresh: {refresh:,} new tickets into {tickets:,} (ingest + build)",
                f"`build --full-refresh` of the same warehouse: {seconds(rebuild)}",
                f"{cost:.1f} s wall / {new_ingest.cpu_seconds + new_build.cpu_seconds:.1f} CPU s",
                "<= 15 s (100k into 10M)",
                ("met" if cost <= 15 else f"missed by {cost - 15:.0f} s")
                + ("" if tickets >= 10_000_000 else f" at {tickets:,}, not 10M"),
                [f"ingest {seconds(new_ingest)}, build {seconds(new_build)}"],
            )
        )
    return rows


# --- API ---------------------------------------------------------------------------------------


def api_rows(seconds_: float, baseline_ref: str) -> list[Row]:
    command = [
        PYTHON,
        str(ROOT / "benchmarks" / "bench_api_load.py"),
        "--seconds",
        str(seconds_),
        "--baseline-ref",
        baseline_ref,
    ]
    output = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"PYTHONPATH": str(ROOT)},
    ).stdout
    rounds = [json.loads(line) for line in output.splitlines() if line.startswith('{"load_average')]
    rows = []
    for beside in (False, True):
        now = next(
            r for r in rounds if r["with_ingest"] == beside and r["implementation"] == "current"
        )
        base = next(
            r for r in rounds if r["with_ingest"] == beside and r["implementation"] != "current"
        )

        def line(result: dict) -> str:
            latency = result["client_latency_ms"]
            return (
                f"p99 {latency['p99']:.1f} ms (p50 {latency['p50']:.1f}), "
                f"{result['errors']} errors, {result['throughput_rps']} req/s, "
                f"{result['server_cpu_ms_per_request']} CPU ms/request"
            )

        p99 = now["client_latency_ms"]["p99"]
        met = p99 <= 25 and not now["errors"]
        rows.append(
            Row(
                "`POST /predict-ticket`, 500 req/s offered by `hey` for "
                f"{seconds_:g} s, one worker, "
                + ("with `supportlake ingest` looping beside it" if beside else "alone"),
                f"{base['implementation']}: {line(base)}",
                line(now),
                "p99 <= 25 ms, 0 errors",
                "met" if met else f"missed by {p99 - 25:.0f} ms",
            )
        )
    return rows


# --- make demo ---------------------------------------------------------------------------------


def demo_run(revision: str, name: str) -> tuple[Measurement, Path]:
    folder = SCRATCH / f"demo-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    clone(revision, folder)
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith("SUPPORTLAKE_")
    }
    environment["PYTHONPATH"] = str(folder)
    log = folder / "demo.log"
    make = [
        "make",
        "-C",
        str(folder),
        "-o",
        ".venv/.installed",
        "-o",
        ".state/duckdb_extensions/.installed",
        "demo",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(
        ["sh", "-c", f'exec "$0" "$@" > "{log}" 2>&1', *make], env=environment
    )
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    item = Measurement(
        f"make demo ({name})",
        time.perf_counter() - started,
        usage.ru_utime + usage.ru_stime,
        usage.ru_maxrss / 1024,
        code,
    )
    if code != 0:
        raise RuntimeError(f"make demo ({name}) exited {code}: see {log}")
    return item, log


def demo_rows(baseline_ref: str | None, side_by_side: bool) -> list[Row]:
    """HEAD's demo, then the baseline's (side by side with --parallel: the same load for both)."""
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    runs: dict[str, tuple[Measurement, Path]] = {}

    def run(revision: str, name: str) -> None:
        runs[name] = demo_run(revision, name)

    baseline_run = threading.Thread(target=run, args=(baseline_ref, "baseline"), daemon=True)
    if baseline_ref and side_by_side:
        baseline_run.start()
    run("HEAD", "head")
    if baseline_ref and not side_by_side:
        baseline_run.start()
    if baseline_ref:
        baseline_run.join()
    now, log = runs["head"]
    baseline = "not measured"
    if "baseline" in runs:
        base = runs["baseline"][0]
        baseline = f"{baseline_ref}: {base.seconds / 60:.1f} min ({seconds(base)})"
    elif baseline_ref:
        baseline = f"{baseline_ref}: failed (see {SCRATCH / 'demo-baseline' / 'demo.log'})"
    steps = [  # the demo's own line: time per step: 95 s: generate 3 s, ingest 4 s, ...
        line.strip()
        for line in log.read_text(errors="replace").splitlines()
        if line.startswith("time per step:")
    ]
    minutes = now.seconds / 60
    return [
        Row(
            f"`make demo` on a fresh clone ({head}), after the install",
            baseline,
            f"{minutes:.1f} min ({seconds(now)})",
            "<= 3 min",
            "met" if minutes <= 3 else f"missed by {minutes - 3:.1f} min",
            steps[-1:],
        )
    ]


# --- the run and its record --------------------------------------------------------------------


def table(rows: list[Row]) -> str:
    lines = [
        "| measure (2 cores) | baseline, same run | now | goal | state |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(f"| {row.measure} | {row.baseline} | {row.now} | {row.goal} | {row.state} |")
    notes = [f"- {row.measure}: {note}" for row in rows for note in row.notes]
    return "\n".join(lines + ([""] + notes if notes else []))


def record(body: str) -> None:
    """Add this run under SECTION (made at the end of the file when missing)."""
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    if f"\n{SECTION}\n" not in text:
        text = text.rstrip("\n") + f"\n\n{SECTION}\n"
    head, tail = text.split(f"\n{SECTION}\n", 1)
    section, separator, rest = tail.partition("\n## ")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    section = section.rstrip("\n") + f"\n\n### Run of {stamp} ({machine_line()})\n\n{body}\n"
    BENCHMARKS_DOC.write_text(head + f"\n{SECTION}\n" + section + separator + rest)


def seconds_until(deadline: str) -> float:
    hour, minute = (int(part) for part in deadline.split(":"))
    now = datetime.now(UTC)
    return (now.replace(hour=hour, minute=minute, second=0, microsecond=0) - now).total_seconds()


def run_lane(
    names: list[str],
    jobs: dict[str, Callable[[], list[Row]]],
    deadline: str | None,
    results: dict[str, list[Row]],
) -> None:
    """The rows of one lane, one after the other; a row not started by the deadline is not."""
    for name in names:
        if deadline and seconds_until(deadline) <= 0:
            results[name] = [Row(name, "", "not run: the deadline came first", "", "not measured")]
            continue
        before = load_average()
        print(f"{datetime.now(UTC):%H:%M:%S} {name} (load {before})", flush=True)
        try:
            measured = jobs[name]()
        except Exception as error:  # noqa: BLE001 -- one failed row must not lose the others
            measured = [Row(name, "", f"failed: {error}", "", "not measured")]
        for row in measured:
            row.notes.append(f"load average (1/5/15 min) {before} before, {load_average()} after")
        results[name] = measured
        print(table(measured), flush=True)


def prepare(args: argparse.Namespace, current: Tree) -> None:
    """The inputs and the baseline clone, made before the timed run."""
    fixtures_warehouse(current)
    fixtures_warehouse(baseline_tree(args.baseline_ref))
    for chats in [*args.chats, args.big_chats]:
        if chats:
            generated_chats(chats)
    if "tickets" in args.rows:
        generated_tickets(args.tickets, 0, f"tickets-{args.tickets}")
        if args.refresh:
            generated_tickets(args.refresh, 1, f"refresh-{args.refresh}")
    empty_built_warehouse(current)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=10_000_000)
    parser.add_argument("--refresh", type=int, default=100_000, help="new tickets; 0: skip")
    parser.add_argument("--chats", type=int, nargs="*", default=[20_000, 200_000])
    parser.add_argument("--big-chats", type=int, default=1_000_000, help="0: skip")
    parser.add_argument("--api-seconds", type=float, default=20)
    parser.add_argument("--baseline-ref", default="a8169a7")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the per-command rows")
    parser.add_argument("--rows", nargs="*", choices=ALL_ROWS, default=list(ALL_ROWS))
    parser.add_argument("--no-demo-baseline", action="store_true", help="HEAD's demo only")
    parser.add_argument(
        "--deadline",
        help="HH:MM UTC: the run records what it has then and stops the rest (same day)",
    )
    parser.add_argument("--parallel", action="store_true", help="the LANES side by side")
    parser.add_argument("--prepare", action="store_true", help="generate inputs, then stop")
    parser.add_argument("--record", action="store_true", help="add to docs/benchmarks.md")
    args = parser.parse_args()
    if os.environ.get("PREFECT_API_URL"):
        parser.error("unset PREFECT_API_URL: commands are measured as they run without one")
    os.environ["PYTHONPATH"] = str(ROOT)  # every child imports this checkout
    SCRATCH.mkdir(parents=True, exist_ok=True)
    current = Tree("current", ROOT)
    if args.prepare:
        prepare(args, current)
        return
    jobs: dict[str, Callable[[], list[Row]]] = {
        "commands": lambda: commands_row(current, baseline_tree(args.baseline_ref), args.rounds),
        "chats": lambda: chats_rows(current, args.chats, None),
        "big-chats": lambda: chats_rows(current, args.chats[-1:], args.big_chats)[-1:],
        "api": lambda: api_rows(args.api_seconds, args.baseline_ref),
        "demo": lambda: demo_rows(
            None if args.no_demo_baseline else args.baseline_ref, args.parallel
        ),
        "tickets": lambda: tickets_rows(current, args.tickets, args.refresh or None),
    }
    if "chats" in args.rows and "big-chats" in args.rows:  # one pass: the 1M row reuses the
        jobs["chats"] = lambda: chats_rows(current, args.chats, args.big_chats)  # script's rate
        args.rows = [row for row in args.rows if row != "big-chats"]
    started, load_before = datetime.now(UTC), load_average()
    chosen = [row for row in ALL_ROWS if row in args.rows]
    lanes = (
        [[row for row in lane if row in chosen] for lane in LANES] if args.parallel else [chosen]
    )
    results: dict[str, list[Row]] = {}
    threads = [
        threading.Thread(target=run_lane, args=(lane, jobs, args.deadline, results), daemon=True)
        for lane in lanes
        if lane
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(0.0, seconds_until(args.deadline)) if args.deadline else None)
    late = [name for name in chosen if name not in results]
    for name in late:
        results[name] = [Row(name, "", f"not finished by the deadline {args.deadline} UTC", "",
                             "not measured")]  # fmt: skip
    rows = [row for name in chosen for row in results[name]]
    minutes = (datetime.now(UTC) - started).total_seconds() / 60
    body = (
        f"`benchmarks/bench_speed.py {' '.join(sys.argv[1:])}`, {os.cpu_count()} cores, "
        f"load average (1/5/15 min) {load_before} at the start, {load_average()} at the end; "
        f"{minutes:.0f} min in all. Whole processes as a user runs them; each baseline was "
        f"measured in this run.\n\n{table(rows)}"
    )
    print(body)
    if args.record:
        record(body)
    if late:  # what is still running is cut short with the driver: its process group
        os.killpg(os.getpgid(0), signal.SIGTERM)


if __name__ == "__main__":
    main()
