"""A corrections file on its way to training (`supportlake train --corrections FILE`).

It goes the way every correction goes: ingested as a ticket_corrections load (load manifest,
quarantine), then marts.ticket_corrections_latest is built, the one home of "the latest
correction wins", which training reads (ml/feedback.py). Training on the warehouse loads it
into the warehouse, so it counts from then on like any ingested correction; training on an
outside file loads it into a warehouse of its own, so that file's ticket ids never meet the
warehouse's.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from supportlake.build_runner import run_build
from supportlake.ingest import ingest_path
from supportlake.ingest.results import FAILED, SKIPPED, FileResult
from supportlake.settings import Settings
from supportlake.sources import TICKET_CORRECTIONS

# The mart and what it reads (stg_api__feedback over raw.ticket_corrections), its data tests.
CORRECTIONS_SELECTION = "+ticket_corrections_latest"


class CorrectionsError(ValueError):
    """The corrections file did not load: the message names the file and why."""


def load_corrections(
    settings: Settings,
    path: str | Path,
    progress: Callable[[int, int], None] | None = None,
) -> FileResult:
    """Ingest `path` as a ticket_corrections load into the warehouse of `settings` (a file
    loaded before is skipped, as any ingest skips it), then build the corrections mart; with
    `progress`, dbt's lines go to its log file and progress(done, total) is called instead."""
    summary = ingest_path(path, settings, source=TICKET_CORRECTIONS.name)
    [result] = summary.files  # one named file
    if result.status == FAILED:
        raise CorrectionsError(f"{result.path}: corrections not loaded: {result.message}")
    run_build(settings, None, select=CORRECTIONS_SELECTION, progress=progress)
    return result


@contextmanager
def corrections_on_their_own(
    path: str | Path, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[Settings, FileResult]]:
    """A temporary warehouse holding only `path`'s corrections and their mart, for training on
    an outside file; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="supportlake-corrections-") as folder:
        settings = Settings.in_folder(Path(folder), catalog=None)
        yield settings, load_corrections(settings, path, progress)


def describe_load(result: FileResult) -> str:
    """One line for the user: what the corrections file became."""
    if result.status == SKIPPED:
        return f"corrections {result.path}: {result.message}"
    quarantined = (
        f", {result.rows_quarantined:,} quarantined (raw.quarantine)"
        if result.rows_quarantined
        else ""
    )
    return (
        f"corrections {result.path}: {result.rows_loaded:,} rows loaded as load "
        f"{result.load_id}{quarantined}"
    )
