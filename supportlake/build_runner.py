"""One `dbt build` that brings the marts up to date: of a plan (what the loads since the last
successful build changed, supportlake/build_plan.py) or of a selection, and the record of
what a successful planned build covered. Used by `supportlake build` and the flows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from supportlake.build_plan import BuildPlan, record_successful_build
from supportlake.console import console
from supportlake.settings import Settings
from supportlake.transform import WITHOUT_UNIT_TESTS, DbtError, DbtResult, run_dbt

# dbt's message when an incremental model's new columns differ from its existing table.
OUT_OF_SYNC = "schemas on this incremental model are out of sync"


def run_build(
    settings: Settings,
    plan: BuildPlan | None,
    *,
    select: str | None = None,
    exclude: Sequence[str] = (),
    unit_tests: bool = False,
    fail_on_quality: bool = False,
    full_refresh: bool = False,
    raise_on_failure: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> DbtResult:
    """`dbt build` of `select` (no plan) or of the plan's selection (everything when it has
    none); a successful planned build is recorded, so the next one builds only what is new.
    dbt's unit tests run only on request (CI runs them); data tests always run, as errors
    with `fail_on_quality`. `full_refresh` (or a plan that needs it: a built load was retired)
    rebuilds the incremental marts from every row instead of adding the new loads."""
    chosen = select or (" ".join(plan.select) if plan is not None and plan.select else None)
    args = ["build"] + (["--select", chosen] if chosen else [])
    if exclude:  # left for a later step that builds them anyway (the demo's ML marts)
        args += ["--exclude", *exclude]
    if not unit_tests:
        args += WITHOUT_UNIT_TESTS
    if fail_on_quality:
        args += ["--vars", "{quality_severity: error}"]
    refresh = full_refresh or (plan is not None and plan.full_refresh)
    if refresh:
        args.append("--full-refresh")
    result = run_dbt(
        args, settings, raise_on_failure=refresh and raise_on_failure, progress=progress
    )
    if not result.success and not refresh and _out_of_sync_models(result):
        # An incremental mart built by an older version lacks a column this one adds: dbt
        # refuses to append (on_schema_change: fail), so rebuild them from every row, once.
        console.print(
            "[yellow]incremental marts built before their columns changed[/] "
            f"({', '.join(_out_of_sync_models(result))}): rebuilding everything from every row "
            "(--full-refresh), once",
            soft_wrap=True,
        )
        args.append("--full-refresh")
        result = run_dbt(args, settings, raise_on_failure=raise_on_failure, progress=progress)
    elif raise_on_failure and not result.success:
        raise DbtError(f"dbt {result.command} failed:\n" + "\n".join(result.failures))
    if result.success and plan is not None:
        record_successful_build(settings, plan)
    return result


def _out_of_sync_models(result: DbtResult) -> list[str]:
    """The incremental models dbt refused to append to because their columns changed."""
    return [failure.split(":", 1)[0] for failure in result.failures if OUT_OF_SYNC in failure]
