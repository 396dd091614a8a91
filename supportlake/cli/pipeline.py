"""`supportlake ingest | build | status | demo`: land files, build the marts, check health,
or run the whole pipeline on generated data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import typer

from flows.ingest_steps import ingest_directly
from flows.runner import prefect_console_to, run_flow
from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.cli.common import fail
from supportlake.console import console, progress_bar
from supportlake.ingest.discovery import IngestError, plan_ingest
from supportlake.ingest.results import IngestSummary
from supportlake.ingest.summary import print_summary
from supportlake.mapping import MappingError, packaged_mappings
from supportlake.quality import collect_quality, print_quality
from supportlake.settings import Settings, get_settings
from supportlake.sources import SOURCES
from supportlake.status import collect_status, print_status
from supportlake.transform import DbtResult
from supportlake.warehouse import wait_until_writable
from supportlake.warehouse_lock import WarehouseLocked


def ingest(
    path: Path = typer.Argument(
        None,
        help="landing root (one sub-folder per source), a source folder or one file; "
        "default: the lake's landing folder",
    ),
    source: str = typer.Option(
        None,
        "--source",
        help=f"{'|'.join(sorted(SOURCES))}; default: the name of the file's folder",
    ),
    mapping: str = typer.Option(
        None,
        "--mapping",
        "-m",
        help="column mapping: a YAML file or a packaged name "
        f"({', '.join(packaged_mappings())}); default: <file>.mapping.yaml or _mapping.yaml "
        "next to the file, else columns named like the source's",
    ),
    reload: bool = typer.Option(
        False,
        "--reload",
        help="load FILE again although its content was loaded before (say, with a fixed "
        "mapping or encoding): the earlier load's rows leave raw and quarantine in the same "
        "transaction, and its manifest row stays, marked retired",
    ),
) -> None:
    """Load new CSV / JSON / JSONL / parquet landing files into raw.<source>.

    Each file loads in one transaction with its manifest row; content loaded before (same
    sha256) is skipped unless --reload; unreadable rows go to raw.quarantine with line and
    reason. Exits non-zero when a file failed or had every record quarantined.
    """
    settings = get_settings()
    try:
        # Fail fast on a wrong path, source or mapping before Prefect starts its server.
        plan = plan_ingest(path, settings=settings, source=source, mapping=mapping)
        if reload and (path is None or not Path(path).is_file()):
            raise IngestError("--reload takes one FILE: supportlake ingest --reload PATH/TO/FILE")
    except (IngestError, MappingError) as error:
        fail(str(error))
    if not plan.files:
        console.print(f"nothing to ingest under {plan.root}")
        print_summary(IngestSummary(plan.root, settings.warehouse, [], plan.unsupported))
        return
    log = settings.lake / "logs" / "ingest" / "ingest.log"
    with prefect_console_to(log):
        summary = run_flow(
            "ingest",
            _ingest_flow,
            direct=ingest_directly,
            say=lambda line: console.print(f"[dim]{line}[/]", soft_wrap=True),
            path=str(path) if path is not None else None,
            source=source,
            mapping=mapping,
            reload=reload,
        )
    print_summary(summary)
    if summary.has_failures or summary.all_quarantined:
        console.print(f"details of failures: {log}")
        raise typer.Exit(1)


def _ingest_flow():
    from flows.ingest import ingest_flow  # imports Prefect: only when Prefect runs the flow

    return ingest_flow


def build(
    select: str = typer.Option(
        None,
        "--select",
        "-s",
        help="dbt node selection (default: what the loads since the last build changed)",
    ),
    everything: bool = typer.Option(
        False, "--all", help="build every model, whatever was loaded (say, after a dbt change)"
    ),
    full_refresh: bool = typer.Option(
        False,
        "--full-refresh",
        help="every model from scratch: the incremental marts (marts.tickets) from every row "
        "instead of only the tickets new loads changed (after a change to the dbt project "
        "or the seeds)",
    ),
    unit_tests: bool = typer.Option(
        False,
        "--unit-tests",
        help="also run dbt's unit tests (CI runs them: make test); data tests always run",
    ),
    fail_on_quality: bool = typer.Option(
        False,
        "--fail-on-quality",
        help="exit non-zero when a load warns (fewer rows in the marts, or more invalid values, "
        "than the settings allow); the per-load dbt tests then fail instead of warning",
    ),
) -> None:
    """dbt build (models, data tests) of what the loads since the last successful build
    changed, everything with --all; then how each load fared: rows in, in the marts, flagged."""
    settings = get_settings()
    try:  # another process holding the warehouse: one line naming it, a wait, a clear exit
        wait_until_writable(settings)
    except WarehouseLocked as error:
        fail(str(error), code=3)
    plan = None if select else plan_build(settings, everything=everything or full_refresh)
    if plan is not None and plan.nothing_to_build:
        console.print(f"{plan.reason}: nothing to build (--all rebuilds everything)")
        print_quality(collect_quality(settings))
        return
    if plan is not None:
        console.print(f"building {plan.reason}", soft_wrap=True)
    with progress_bar(transient=True) as bar:
        task = bar.add_task("dbt build", total=None)
        result = run_build(
            settings,
            plan,
            select=select,
            unit_tests=unit_tests,
            fail_on_quality=fail_on_quality,
            full_refresh=full_refresh,
            raise_on_failure=False,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if select and not result.counts and result.success:
        fail(f"no dbt node matches --select {select!r}")
    _print_build(result, settings)
    quality = collect_quality(settings)
    print_quality(quality)
    if not result.success:
        raise typer.Exit(1)
    if fail_on_quality and quality.warnings:
        console.print("[bold red]--fail-on-quality:[/] a load is under the quality thresholds")
        raise typer.Exit(1)


def _print_build(result: DbtResult, settings: Settings) -> None:
    style = "green" if result.success else "bold red"
    console.print(f"[{style}]{result.summary()}[/] -> warehouse {settings.warehouse}")
    if result.published:
        console.print(f"  BI, the dashboard and the API read the {result.published}")
    for failure in result.failures:
        console.print(f"[bold red]failed[/] {failure}", soft_wrap=True)
    for warning in result.warnings:
        console.print(f"[yellow]dbt test warned[/] {warning}", soft_wrap=True)
    if not result.success and not result.failures:
        console.print("[bold red]dbt failed before running any node[/]")
    console.print(f"dbt's log: {settings.lake / 'logs' / 'dbt' / 'dbt.log'}")


def status() -> None:
    """The warehouse's health: last loads and their losses, stale sources, quarantine counts,
    data-quality warnings of the last build."""
    settings = get_settings()
    if not settings.warehouse.exists():
        fail(f"no warehouse at {settings.warehouse}: run `supportlake ingest`", code=1)
    try:
        health = collect_status(settings)
    except duckdb.IOException as error:  # a writer holds the file (DuckDB allows no reader then)
        fail(f"the warehouse is busy (a build or ingest is writing?): {error}", code=1)
    print_status(health, settings)


def demo(
    tickets: int = typer.Option(None, "--tickets", "--rows", help="synthetic tickets [20,000]"),
    chats: int = typer.Option(None, help="synthetic chats [2,000]"),
    seed: int = typer.Option(None, help="generator seed; same seed, same data [0]"),
) -> None:
    """Generate a demo data set and run the whole pipeline as one flow."""
    from flows.demo import run_demo  # imported when run: it brings Prefect (seconds of --help)

    given = {"tickets": tickets, "chats": chats, "seed": seed}
    chosen: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    result = run_flow("demo", lambda: run_demo, say=console.print, **chosen)
    for step, outcome in result.steps.items():
        console.print(f"  [bold]{step}[/]: {outcome}")
    console.print(f"time per step: {result.timing()}", soft_wrap=True)
    console.print("[green]demo done[/]; everything it wrote:")
    for label, path in result.outputs.items():
        console.print(f"  {label}: {path}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    for command in (ingest, build, status, demo):
        app.command()(command)
