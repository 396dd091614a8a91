"""Chat pipeline benchmark: from generated chat exports (parquet) to chats.csv and messages.csv,
through the real ingest, `dbt run` of the chat models (staging, thread rebuild, marts with
their parquet exports) and `supportlake export chats`; beside a straightforward pandas +
json.loads-per-row implementation (baseline_chats_pandas.py) on the same files, in the same
run. Each contender runs in its own process (wall, CPU seconds, peak RSS).

    .venv/bin/python benchmarks/bench_chats.py --chats 200000 [--seed 0] [--dbt build]
        [--cold] [--no-baseline] [--record]

Goal (issue 3): >= 500k messages/s end to end for a 1M-chat export on 2 cores.

--processes times what a user runs instead, each command its own process (issue 18):
`supportlake ingest`, `supportlake build`, `supportlake export chats`, into a warehouse that
was built once before (empty, as after the install: the build then does what the chat load
changed, not a first build of every model), beside the pandas script in the same run.
Goals: >= 1x the script at 20k chats, >= 3x at 200k.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from measure import BENCHMARKS_DOC, machine_line

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = ROOT / ".state" / "bench" / "chats"
CHAT_MODELS = (
    "path:models/staging/chats path:models/staging/twitter "
    "path:models/intermediate/chats path:models/marts/chats"
)


def settings_for(root: Path):
    from supportlake.settings import Settings

    return Settings.in_folder(root)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def run_supportlake(root: Path, dbt_command: str) -> dict:
    """The pipeline in this (child) process, with (wall s, CPU s) per stage."""
    from supportlake.export.chats import export_chats
    from supportlake.ingest import ingest_path
    from supportlake.transform import run_dbt

    settings = settings_for(root)
    stages: dict[str, tuple[float, float]] = {}

    def timed(name, work):
        wall, cpu = time.perf_counter(), cpu_seconds()
        value = work()
        stages[name] = (round(time.perf_counter() - wall, 1), round(cpu_seconds() - cpu, 1))
        return value

    summary = timed("ingest", lambda: ingest_path(root / "landing", settings=settings))
    timed(f"dbt {dbt_command}", lambda: run_dbt([dbt_command, "--select", CHAT_MODELS], settings))
    result = timed("export", lambda: export_chats(root / "out", settings))
    return {
        "rows_loaded": summary.rows_loaded,
        "chats": result.rows["chats.csv"],
        "messages": result.rows["messages.csv"],
        "stages": stages,
    }


def process_environment(root: Path) -> dict[str, str]:
    return {
        "SUPPORTLAKE_WAREHOUSE": str(root / "warehouse.duckdb"),
        "SUPPORTLAKE_LAKE": str(root),
        "SUPPORTLAKE_PREFECT_HOME": str(root / "prefect"),
    }


def run_processes(root: Path) -> dict:
    """ingest, build, export as a user runs them, whole processes, into the warehouse of
    built_empty_warehouse(root)."""
    from measure import run_measured

    supportlake = str(Path(sys.executable).with_name("supportlake"))
    env = process_environment(root)
    steps = [
        run_measured("ingest", [supportlake, "ingest", str(root / "landing")], env),
        run_measured("build", [supportlake, "build"], env),
        run_measured("export", [supportlake, "export", "chats", "--out", str(root / "out")], env),
    ]
    counts = []
    for name in ("chats.csv", "messages.csv"):
        with open(root / "out" / name, "rb") as handle:
            counts.append(sum(1 for _ in csv_rows(handle)))
    return {
        "chats": counts[0],
        "messages": counts[1],
        "wall": sum(step.seconds for step in steps),
        "cpu": sum(step.cpu_seconds for step in steps),
        "rss_mb": max(step.peak_rss_mb for step in steps),
        "stages": {
            step.label: (round(step.seconds, 1), round(step.cpu_seconds, 1)) for step in steps
        },
    }


def csv_rows(handle):
    """Records of a CSV file (a quoted cell may span lines), header left out."""
    import csv
    import io

    reader = csv.reader(io.TextIOWrapper(handle, encoding="utf-8", newline=""))
    next(reader, None)
    yield from reader


def built_empty_warehouse(root: Path) -> None:
    """The warehouse of `root` with every model built once on empty raw tables, as after the
    install (not timed; the same paths as the timed run, so dbt's partial parse holds)."""
    from measure import run_measured

    env = process_environment(root)
    create = (
        "from supportlake.raw_schema import ensure_raw_schema; "
        "from supportlake.settings import get_settings; "
        "from supportlake.warehouse import open_warehouse\n"
        "with open_warehouse(get_settings()) as connection: ensure_raw_schema(connection)"
    )
    supportlake = str(Path(sys.executable).with_name("supportlake"))
    run_measured("create warehouse", [sys.executable, "-c", create], env)
    run_measured("build empty warehouse", [supportlake, "build", "--all"], env)


def measured(command: list[str]) -> dict:
    """Run a contender in its own process: its JSON report plus wall, CPU and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{output[-2000:]}")
    report = json.loads(output.strip().splitlines()[-1])
    report.update(
        wall=time.perf_counter() - started,
        cpu=usage.ru_utime + usage.ru_stime,
        rss_mb=usage.ru_maxrss / 1024,
    )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dbt", default="run", choices=["run", "build"], help="dbt command")
    parser.add_argument("--cold", action="store_true", help="no `dbt parse` before timing")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--record", action="store_true", help="add to docs/benchmarks.md")
    parser.add_argument("--child", nargs=2, metavar=("ROOT", "DBT_COMMAND"))
    parser.add_argument("--parse", metavar="ROOT")
    parser.add_argument(
        "--processes", action="store_true", help="ingest, build, export as separate commands"
    )
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_supportlake(Path(args.child[0]), args.child[1])))
        return
    if args.parse:
        from supportlake.transform import run_dbt

        run_dbt(["parse"], settings_for(Path(args.parse)))
        print("{}")
        return

    from supportlake.generate.chats import generate_chats

    # The same scratch folder on every run: with an unchanged lake path dbt re-parses only
    # what changed, as on any scheduled run after the first (--cold measures a full parse).
    shutil.rmtree(SCRATCH, ignore_errors=True)
    try:
        generation = generate_chats(
            SCRATCH / "landing" / "chats", args.chats, args.seed, show_progress=False
        )
        input_mb = sum(Path(path).stat().st_size for path in generation.files) / 2**20
        if args.processes:
            built_empty_warehouse(SCRATCH)
            results = {"supportlake": run_processes(SCRATCH)}
        else:
            if not args.cold:
                measured([sys.executable, __file__, "--parse", str(SCRATCH)])
            results = {
                "supportlake": measured(
                    [sys.executable, __file__, "--child", str(SCRATCH), args.dbt]
                )
            }
        if not args.no_baseline:
            results["pandas baseline"] = measured(
                [
                    sys.executable,
                    str(Path(__file__).with_name("baseline_chats_pandas.py")),
                    str(SCRATCH / "landing"),
                    str(SCRATCH / "baseline-out"),
                ]
            )
        load = os.getloadavg()[0]
    finally:
        shutil.rmtree(SCRATCH, ignore_errors=True)
    report = format_report(args, generation, input_mb, results, load)
    print(report)
    if args.record:
        record(report)


def format_report(args, generation, input_mb: float, results: dict, load: float) -> str:
    parse = "full parse (--cold)" if args.cold else "parse warm (partial parse)"
    how = (
        "`supportlake ingest`, `supportlake build`, `supportlake export chats`, each its own "
        "process, into a warehouse built once while empty"
        if args.processes
        else f"ingest + `dbt {args.dbt}` of the chat models (dbt's {parse}) + `export chats`, "
        "in one fresh process and a fresh warehouse"
    )
    lines = [
        f"Measured {machine_line()} (os.cpu_count() = {os.cpu_count()}; load average "
        f"{load:.1f} at the end). Input: `supportlake generate chats --rows {args.chats:,} "
        f"--seed {args.seed}`: {generation.rows_written:,} export rows "
        f"({generation.chats:,} chats + {generation.mess['re_exported']:,} re-exports), "
        f"{generation.messages:,} messages in the logs, {len(generation.files)} parquet "
        f"file(s), {input_mb:.0f} MB (generated in {generation.seconds:.1f} s, not timed "
        f"below). supportlake = {how}; pandas baseline = "
        "benchmarks/baseline_chats_pandas.py on the same files.",
        "",
        "| contender | chats out | messages out | wall s | CPU s | messages/s (wall) "
        "| messages per CPU-second | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, result in results.items():
        lines.append(
            f"| {name} | {result['chats']:,} | {result['messages']:,} | {result['wall']:.1f} "
            f"| {result['cpu']:.1f} | {result['messages'] / result['wall']:,.0f} "
            f"| {result['messages'] / result['cpu']:,.0f} | {result['rss_mb']:.0f} |"
        )
    if len(results) > 1:
        outputs = {(result["chats"], result["messages"]) for result in results.values()}
        agreement = "agree" if len(outputs) == 1 else "DIFFER: check the baseline's rules"
        lines += ["", f"Chats and messages out of the contenders {agreement}."]
        if "pandas baseline" in results:
            ratio = results["pandas baseline"]["wall"] / results["supportlake"]["wall"]
            lines += [f"supportlake against the pandas script (wall): {ratio:.2f}x."]
    stages = results["supportlake"]["stages"]
    lines += [
        "",
        "supportlake stages (wall s / CPU s): "
        + ", ".join(f"{name} {wall} / {cpu}" for name, (wall, cpu) in stages.items()),
    ]
    return "\n".join(lines)


def record(report: str) -> None:
    """Add the run at the end of the `## Chats` section of docs/benchmarks.md."""
    text = BENCHMARKS_DOC.read_text() if BENCHMARKS_DOC.exists() else "# Benchmarks\n"
    if "\n## Chats\n" not in text:
        text = text.rstrip("\n") + "\n\n## Chats\n"
    head, tail = text.split("\n## Chats\n", 1)
    section, separator, rest = tail.partition("\n## ")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = section.rstrip("\n") + f"\n\n### Run of {stamp}\n\n{report}\n"
    BENCHMARKS_DOC.write_text(head + "\n## Chats\n" + section + separator + rest)


if __name__ == "__main__":
    main()
