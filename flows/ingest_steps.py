"""The ingest loop without Prefect: one load per landing file, each failure one report line.

The Prefect flow (flows/ingest.py) and a direct run (flows/runner.py) both run this loop;
they differ only in how one file is loaded: a Prefect task run, or a plain call retried on
the same IO errors. Nothing here imports Prefect, so a direct `supportlake ingest` never pays
for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from flows.retries import is_io_error
from flows.runner import FailedState, call_with_retries
from supportlake.console import progress_bar
from supportlake.ingest.discovery import LandingFile, plan_ingest
from supportlake.ingest.loader import load_file
from supportlake.ingest.results import FAILED, FileResult, IngestSummary
from supportlake.settings import get_settings

RETRIES = 2  # a locked or unreachable file; bad content fails the same way every time
RETRY_DELAY_SECONDS = 2


def ingest_files(
    path: str | None,
    source: str | None,
    mapping: str | None,
    load_one: Callable[[LandingFile], FileResult],
    logger: logging.Logger | logging.LoggerAdapter,
) -> IngestSummary:
    """Plan the landing files under `path` and load each with `load_one`, which reports a
    failure as a FileResult instead of raising."""
    settings = get_settings()
    plan = plan_ingest(path, settings=settings, source=source, mapping=mapping)
    results = []
    with progress_bar() as progress:
        bar = progress.add_task("ingest", total=len(plan.files))
        for landing_file in plan.files:
            progress.update(bar, description=f"ingest {landing_file.name}")
            results.append(load_one(landing_file))
            logger.info("%s: %s", landing_file.path, results[-1].status)
            progress.advance(bar)
        progress.update(bar, description="ingest")
    return IngestSummary(plan.root, settings.warehouse, results, plan.unsupported)


def failed_result(landing_file: LandingFile, error: BaseException) -> FileResult:
    """A file that failed even after its retries is one failed line of the report."""
    message = f"{type(error).__name__}: {error}"
    return FileResult(landing_file.path, landing_file.source, FAILED, message=message)


def load_directly(landing_file: LandingFile, reload: bool = False) -> FileResult:
    """load_file with the ingest task's retries, without Prefect."""
    try:
        return call_with_retries(
            load_file,
            landing_file,
            get_settings(),
            reload=reload,
            retries=RETRIES,
            delay_seconds=RETRY_DELAY_SECONDS,
            worth_retrying=lambda error: is_io_error(None, None, FailedState(error)),
        )
    except Exception as error:  # reported per file, like a failed task run
        # The traceback goes to the log (the command points at it), the summary gets one line.
        logging.getLogger("flows.ingest").error(
            "ingest %s failed", landing_file.path, exc_info=error
        )
        return failed_result(landing_file, error)


def ingest_directly(
    path: str | None = None,
    source: str | None = None,
    mapping: str | None = None,
    reload: bool = False,
) -> IngestSummary:
    """The ingest flow's work as plain calls: what `supportlake ingest` runs without an API."""
    load_one = partial(load_directly, reload=reload)
    return ingest_files(path, source, mapping, load_one, logging.getLogger("flows.ingest"))
