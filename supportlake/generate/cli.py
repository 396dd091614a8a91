"""`supportlake generate ...`: synthetic landing data. Thin: the work is in tickets.py."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from supportlake.console import console
from supportlake.settings import get_settings

generate_app = typer.Typer(
    help="Write synthetic, deliberately messy landing files to try the pipeline at any size.",
    no_args_is_help=True,
)


@generate_app.command()
def tickets(
    rows: int = typer.Option(20_000, "--rows", min=1, help="Distinct tickets (duplicates extra)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same files."),
    out: Path = typer.Option(
        None, "--out", help="Folder for the files (default: the lake's landing/tickets)."
    ),
    rows_per_partition: int = typer.Option(
        200_000, "--rows-per-partition", min=1, help="Tickets per file; bounds memory."
    ),
    file_format: list[str] = typer.Option(
        ["parquet"], "--format", help="parquet, csv or json (lines); repeat or comma-separate."
    ),
    workers: int = typer.Option(
        None, "--workers", min=1, help="Processes building partitions (default: all cores)."
    ),
) -> None:
    """Helpdesk tickets with the TICKETS columns; mess rates are in docs/generator.md."""
    from supportlake.generate.tickets import generate_tickets, parse_formats

    try:
        formats = parse_formats(file_format)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--format") from None
    out_dir = out or get_settings().landing_for("tickets")
    summary = generate_tickets(
        out_dir,
        rows=rows,
        seed=seed,
        rows_per_partition=rows_per_partition,
        formats=formats,
        workers=workers or os.cpu_count() or 1,
    )
    mess = ", ".join(f"{kind} {count:,}" for kind, count in summary.mess.items() if count)
    console.print(
        f"[green]{summary.rows:,} rows[/] ({summary.tickets:,} tickets + "
        f"{summary.duplicates:,} re-exports) in {len(summary.files)} file(s) "
        f"-> {summary.out_dir} in {summary.seconds:.1f} s ({summary.rows_per_second:,.0f} rows/s)"
    )
    console.print(f"[dim]mess injected: {mess or 'none'}[/]")


@generate_app.command("ticket-events")
def ticket_events(
    tickets: Path = typer.Option(
        None, "--tickets", help="Folder of generated ticket files (default: landing/tickets)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same events."),
    out: Path = typer.Option(
        None, "--out", help="Folder for the file (default: the lake's landing/ticket_events)."
    ),
) -> None:
    """Ticket histories (changes and comments) that agree with generated tickets."""
    from supportlake.generate.ticket_events import generate_ticket_events

    settings = get_settings()
    summary = generate_ticket_events(
        tickets or settings.landing_for("tickets"),
        out or settings.landing_for("ticket_events"),
        seed=seed,
    )
    console.print(
        f"[green]{summary.events:,} events[/] ({summary.repeated_events:,} written twice) for "
        f"{summary.tickets_with_events:,} of {summary.tickets_read:,} tickets -> {summary.path}"
    )
    skipped = ", ".join(f"{reason} {count:,}" for reason, count in summary.skipped.most_common())
    if skipped:
        console.print(f"[yellow]tickets without events[/] (no consistent history): {skipped}")
