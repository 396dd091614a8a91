"""`supportlake build`: dbt build of what the new loads changed, then how each load fared."""

from __future__ import annotations

import typer

from supportlake.console import console
from supportlake.settings import get_settings


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
    from supportlake.build_plan import plan_build, record_successful_build
    from supportlake.quality import collect_quality, print_quality
    from supportlake.warehouse import wait_until_writable
    from supportlake.warehouse_lock import WarehouseLocked

    settings = get_settings()
    try:  # another process holding the warehouse: one line naming it, a wait, a clear exit
        wait_until_writable(settings)
    except WarehouseLocked as error:
        console.print(f"[bold red]error:[/] {error}", soft_wrap=True)
        raise typer.Exit(3) from None
    plan = None if select else plan_build(settings, everything=everything)
    if plan is not None and plan.nothing_to_build:
        console.print(f"{plan.reason}: nothing to build (--all rebuilds everything)")
        print_quality(collect_quality(settings))
        return
    chosen = select or (" ".join(plan.select) if plan.select else None)
    if plan is not None:
        console.print(f"building {plan.reason}", soft_wrap=True)
    args = ["build"] + (["--select", chosen] if chosen else [])
    if not unit_tests:
        from supportlake.transform import WITHOUT_UNIT_TESTS

        args += WITHOUT_UNIT_TESTS
    if fail_on_quality:
        args += ["--vars", "{quality_severity: error}"]
    result = _run(args, settings)
    if select and not result.counts and result.success:
        console.print(f"[bold red]error:[/] no dbt node matches --select {select!r}")
        raise typer.Exit(2)
    if result.success and plan is not None:
        record_successful_build(settings, plan)
    _report(result, settings)
    quality = collect_quality(settings)
    print_quality(quality)
    if not result.success:
        raise typer.Exit(1)
    if fail_on_quality and quality.warnings:
        console.print("[bold red]--fail-on-quality:[/] a load is under the quality thresholds")
        raise typer.Exit(1)


def _run(args: list[str], settings):
    from supportlake.console import progress_bar
    from supportlake.transform import run_dbt

    with progress_bar(transient=True) as bar:
        task = bar.add_task("dbt build", total=None)
        return run_dbt(
            args,
            settings,
            raise_on_failure=False,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def _report(result, settings) -> None:
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
