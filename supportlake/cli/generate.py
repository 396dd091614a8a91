"""`supportlake generate tickets | ticket-events | knowledge-base | chats`: synthetic landing
data. Thin: the work is in supportlake/generate/."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from supportlake.console import console
from supportlake.generate.chats import generate_chats
from supportlake.generate.knowledge_base import generate_knowledge_base
from supportlake.generate.ticket_events import generate_ticket_events
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
    # imported when run: the generator's vocabularies cost ~0.3 s of `--help`
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


@generate_app.command("knowledge-base")
def knowledge_base(
    tickets: Path = typer.Option(
        None, "--tickets", help="Folder of generated ticket files (default: landing/tickets)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same articles and citations."),
) -> None:
    """Help-center articles that fit generated tickets, and the resolved tickets that cite them
    (into the lake's landing/knowledge_base and landing/ticket_article_links)."""
    settings = get_settings()
    summary = generate_knowledge_base(
        tickets or settings.landing_for("tickets"),
        settings.landing_for("knowledge_base"),
        settings.landing_for("ticket_article_links"),
        seed=seed,
    )
    console.print(
        f"[green]{summary.articles} articles[/] -> {summary.articles_path}; "
        f"{summary.links:,} of {summary.tickets_read:,} resolved tickets cite one -> "
        f"{summary.links_path}"
    )
    if summary.tickets_without_article:
        console.print(
            f"[yellow]{summary.tickets_without_article:,} resolved tickets[/] describe no problem "
            "an article covers (no citation written)"
        )


@generate_app.command("chats")
def chats(
    rows: int = typer.Option(
        10_000, "--rows", "-n", min=0, help="Chats to generate (re-exports come on top)."
    ),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same files."),
    out: Path = typer.Option(
        None, "--out", help="Folder for the files (default: the lake's landing/chats)."
    ),
    file_format: str = typer.Option("parquet", "--format", help="parquet or csv."),
    partition_rows: int = typer.Option(
        100_000, "--partition-rows", min=1, help="Chats per file; bounds memory."
    ),
) -> None:
    """Chat exports in the source_chat_data.csv format, nl/fr/en, with real-world mess."""
    if file_format not in {"parquet", "csv"}:
        raise typer.BadParameter("use parquet or csv", param_hint="--format")
    out_dir = out or get_settings().landing_for("chats")
    summary = generate_chats(
        out_dir, rows, seed, file_format=file_format, partition_rows=partition_rows
    )
    mess = ", ".join(f"{kind} {number:,}" for kind, number in summary.mess.items() if number)
    console.print(
        f"[green]{summary.rows_written:,} rows[/] ({summary.chats:,} chats + "
        f"{summary.mess['re_exported']:,} re-exports, {summary.messages:,} messages) in "
        f"{len(summary.files)} {file_format} file(s) -> {out_dir} in {summary.seconds:.1f} s"
    )
    console.print(f"[dim]mess injected: {mess or 'none'}[/]")


def register(app: typer.Typer) -> None:
    app.add_typer(generate_app, name="generate")
