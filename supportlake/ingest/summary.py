"""The ingest command's closing report: one line per file, totals, where the warehouse is."""

from __future__ import annotations

import os
from pathlib import Path

from rich.console import Console
from rich.table import Table

from supportlake.console import console as default_console
from supportlake.ingest.results import EMPTY, FAILED, LOADED, SKIPPED, FileResult, IngestSummary
from supportlake.quality import print_ingest_quality

_STYLES = {LOADED: "green", EMPTY: "yellow", SKIPPED: "dim", FAILED: "bold red"}


def _files_table(summary: IngestSummary) -> Table:
    table = Table(title=f"ingest {_shown(summary.root)}", title_justify="left")
    table.add_column("file", overflow="fold")
    table.add_column("status")
    table.add_column("loaded", justify="right")
    table.add_column("quarantined", justify="right")
    table.add_column("note", overflow="fold")
    for result in summary.files:
        counted = result.status in (LOADED, EMPTY)
        table.add_row(
            f"{result.source}/{result.path.name}",
            f"[{_STYLES[result.status]}]{result.status}[/]",
            f"{result.rows_loaded:,}" if counted else "-",
            f"{result.rows_quarantined:,}" if counted else "-",
            _note(result),
        )
    return table


def _note(result: FileResult) -> str:
    """Ignored columns, the mapping used and the load's message, in one cell."""
    note = "see below" if result.status == FAILED else result.message
    if result.ignored_columns:
        ignored = f"ignored columns: {', '.join(result.ignored_columns)}"
        note = f"{ignored}; {note}" if note else ignored
    if result.mapping and result.status == LOADED:
        note = f"mapping {result.mapping}; {note}" if note else f"mapping {result.mapping}"
    return note


def print_summary(summary: IngestSummary, console: Console | None = None) -> None:
    console = console or default_console
    if summary.files:
        console.print(_files_table(summary))
    for path in summary.unsupported:
        console.print(
            f"[yellow]left alone[/] {_shown(path)}: not a data file or not a source folder"
        )

    loaded = summary.with_status(LOADED)
    failed = summary.with_status(FAILED)
    console.print(
        f"{len(loaded)} loaded ({summary.rows_loaded:,} rows), "
        f"{summary.rows_quarantined:,} rows quarantined, "
        f"{len(summary.with_status(EMPTY))} empty, "
        f"{len(summary.with_status(SKIPPED))} skipped (already loaded), "
        f"[{'bold red' if failed else 'green'}]{len(failed)} failed[/] "
        f"-> warehouse {summary.warehouse}"
    )
    if summary.rows_quarantined:
        console.print("quarantined rows: [bold]select * from raw.quarantine[/] (file, row, reason)")
    print_ingest_quality(summary, console)  # top reasons per file; warns under the threshold
    for result in summary.files:  # values the mapping could not translate, loaded as written
        for note in result.message.split("; "):
            if note.startswith("WARNING "):
                console.print(f"[yellow]warning[/] {_shown(result.path)}: {note[8:]}")
    for result in summary.all_quarantined:
        console.print(
            f"[bold red]every record of {_shown(result.path)} was quarantined[/] "
            f"({result.rows_quarantined:,}): check its encoding, delimiter and mapping, then "
            f"[bold]supportlake ingest --reload {_shown(result.path)}[/]"
        )
    if summary.with_status(SKIPPED):
        console.print(
            "skipped files were loaded before: [bold]supportlake ingest --reload FILE[/] "
            "loads one again (after fixing its mapping) and retires the earlier load"
        )
    for result in failed:
        console.print(f"[bold red]failed[/] {_shown(result.path)}: {result.message}")


def _shown(path: Path) -> str:
    """Paths under the working directory print relative, the rest absolute."""
    inside = Path(path).resolve().is_relative_to(Path.cwd())
    return os.path.relpath(path) if inside else str(path)
