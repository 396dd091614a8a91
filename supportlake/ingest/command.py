"""`supportlake ingest`: check the arguments here, then run the Prefect flow and report."""

from __future__ import annotations

from pathlib import Path

import typer

from supportlake.console import console
from supportlake.ingest.discovery import IngestError, plan_ingest
from supportlake.ingest.mapping import MappingError, packaged_mappings
from supportlake.ingest.results import IngestSummary
from supportlake.ingest.summary import print_summary
from supportlake.settings import get_settings
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
) -> None:
    """Load new CSV / JSON / JSONL / parquet landing files into raw.<source>.

    Each file loads in one transaction with its manifest row; content loaded before (same
    sha256) is skipped; unreadable rows go to raw.quarantine with line and reason.
    """
    settings = get_settings()
    try:
        # Fail fast on a wrong path, source or mapping before Prefect starts its server.
        plan = plan_ingest(path, settings=settings, source=source, mapping=mapping)
    except (IngestError, MappingError) as error:
        console.print(f"[bold red]error:[/] {error}")
        raise typer.Exit(2) from None
    if not plan.files:
        console.print(f"nothing to ingest under {plan.root}")
        print_summary(IngestSummary(plan.root, settings.warehouse, [], plan.unsupported))
        return

    from flows.ingest import ingest_flow

    summary = ingest_flow(
        path=str(path) if path is not None else None, source=source, mapping=mapping
    )
    print_summary(summary)
    if summary.has_failures:
        raise typer.Exit(1)
