"""Ingest flow: every new landing file into raw.<source>, one task per file.

Each task opens the warehouse, loads one file in one transaction and closes the warehouse
again, so nothing else waits long on DuckDB's single writer. Only IO errors are retried:
a file with bad content fails the same way every time and is reported instead.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from flows.retries import is_io_error
from supportlake.console import progress_bar
from supportlake.ingest.discovery import LandingFile, plan_ingest
from supportlake.ingest.loader import load_file
from supportlake.ingest.results import FAILED, FileResult, IngestSummary
from supportlake.settings import get_settings


# No cache: the load manifest, not Prefect, decides whether a file was loaded already.
@task(
    retries=2,
    retry_delay_seconds=2,
    retry_condition_fn=is_io_error,
    cache_policy=NO_CACHE,
    task_run_name="ingest {landing_file.name}",
)
def ingest_file_task(landing_file: LandingFile, reload: bool = False) -> FileResult:
    return load_file(landing_file, get_settings(), reload=reload)


@flow
def ingest_flow(
    path: str | None = None,
    source: str | None = None,
    mapping: str | None = None,
    reload: bool = False,
) -> IngestSummary:
    """Load new files under `path` (default: the landing folder) into the raw schema; with
    `reload`, load them again although loaded before, retiring the earlier loads."""
    settings = get_settings()
    logger = get_run_logger()
    plan = plan_ingest(path, settings=settings, source=source, mapping=mapping)
    results = []
    with progress_bar() as progress:
        bar = progress.add_task("ingest", total=len(plan.files))
        for landing_file in plan.files:
            progress.update(bar, description=f"ingest {landing_file.name}")
            state = ingest_file_task(landing_file, reload, return_state=True)
            results.append(_result_of(landing_file, state))
            logger.info("%s: %s", landing_file.path, results[-1].status)
            progress.advance(bar)
        progress.update(bar, description="ingest")
    return IngestSummary(plan.root, settings.warehouse, results, plan.unsupported)


def _result_of(landing_file: LandingFile, state: State) -> FileResult:
    """A task that failed even after its retries still becomes one failed line of the report."""
    if state.is_completed():
        return state.result()
    error = state.result(raise_on_failure=False)
    message = f"{type(error).__name__}: {error}"
    return FileResult(landing_file.path, landing_file.source, FAILED, message=message)


if __name__ == "__main__":
    print(ingest_flow())
