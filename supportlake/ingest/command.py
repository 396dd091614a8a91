"""`supportlake ingest`: check the arguments here, then run the ingest flow and report."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from supportlake.console import console
from supportlake.ingest.discovery import IngestError, plan_ingest
from supportlake.ingest.mapping import MappingError, packaged_mappings
from supportlake.ingest.results import IngestSummary
from supportlake.ingest.summary import print_summary
from supportlake.settings import Settings, get_settings
from supportlake.sources import SOURCES


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
        console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
    if not plan.files:
        console.print(f"nothing to ingest under {plan.root}")
        print_summary(IngestSummary(plan.root, settings.warehouse, [], plan.unsupported))
        return

    from flows.ingest_steps import ingest_directly
    from flows.runner import run_flow

    log = log_path(settings)
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


def log_path(settings: Settings) -> Path:
    return settings.lake / "logs" / "ingest" / "ingest.log"


@contextmanager
def prefect_console_to(log: Path) -> Iterator[None]:
    """Send what Prefect would print on the terminal (task failures with their tracebacks)
    to `log` instead: the summary gives each failure in one line and points at the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    consoles = [handler for handler in root.handlers if _is_console(handler)]
    to_file = logging.FileHandler(log, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in consoles:
        root.removeHandler(handler)
    root.addHandler(to_file)
    try:
        yield
    finally:
        root.removeHandler(to_file)
        to_file.close()
        for handler in consoles:
            root.addHandler(handler)


def _is_console(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and not isinstance(
        handler, logging.FileHandler
    )
