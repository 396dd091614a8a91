"""Ingest flow: every new landing file into raw.<source>, one task per file.

Each task opens the warehouse, loads one file in one transaction and closes the warehouse
again, so nothing else waits long on DuckDB's single writer. Only IO errors are retried:
a file with bad content fails the same way every time and is reported instead.
"""

from __future__ import annotations

from functools import partial

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.states import State

from flows.ingest_steps import (
    RETRIES,
    RETRY_DELAY_SECONDS,
    failed_result,
    ingest_files,
    load_directly,
)
from flows.retries import is_io_error
from flows.runner import run_logger, running_directly
from supportlake.ingest.discovery import LandingFile
from supportlake.ingest.loader import load_file
from supportlake.ingest.results import FileResult, IngestSummary
from supportlake.settings import get_settings


# No cache: the load manifest, not Prefect, decides whether a file was loaded already.
@task(
    retries=RETRIES,
    retry_delay_seconds=RETRY_DELAY_SECONDS,
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
    if running_directly():  # the demo without a Prefect API: plain calls (flows/runner.py)
        load_one = partial(load_directly, reload=reload)
    else:
        load_one = partial(_load_in_task, reload=reload)
    return ingest_files(path, source, mapping, load_one, run_logger())


def _load_in_task(landing_file: LandingFile, reload: bool) -> FileResult:
    state = ingest_file_task(landing_file, reload, return_state=True)
    return _result_of(landing_file, state)


def _result_of(landing_file: LandingFile, state: State) -> FileResult:
    """A task that failed even after its retries still becomes one failed line of the report."""
    if state.is_completed():
        return state.result()
    return failed_result(landing_file, state.result(raise_on_failure=False))


if __name__ == "__main__":
    print(ingest_flow())
