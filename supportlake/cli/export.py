"""`supportlake export chats`: marts as files (CSV) for tools outside the warehouse."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import duckdb
import typer

from supportlake.console import console
from supportlake.export.chats import ChatExportError, export_chats
from supportlake.export.generic_chats import export_generic_chats

export_app = typer.Typer(help="Export marts as files (CSV) for tools outside the warehouse.")


class ChatExportFormat(StrEnum):
    contract = "contract"
    generic = "generic"


@export_app.command("chats")
def chats(
    out: Path = typer.Option(None, "--out", help="output folder (default: <lake>/exports/chats)"),
    export_format: ChatExportFormat = typer.Option(
        ChatExportFormat.contract,
        "--format",
        help="contract: chats.csv + messages.csv, the chatbot export's 47 columns each "
        "(docs/chat_export_contract.md); generic: chat_messages.csv, one row per message with "
        "columns any chat tool can fill (docs/chats.md)",
    ),
) -> None:
    """Write the chats as CSV: the 47-column contract files, or the generic per-message file."""
    export = export_generic_chats if export_format == ChatExportFormat.generic else export_chats
    try:
        result = export(out)
    except (ChatExportError, FileNotFoundError) as error:
        console.print(f"[red]export failed:[/] {error}")
        raise typer.Exit(1) from None
    except duckdb.IOException as error:
        # DuckDB refuses a reader while another process holds the warehouse for writing.
        console.print(f"[red]export failed:[/] the warehouse is busy or unreadable: {error}")
        raise typer.Exit(1) from None
    written = ", ".join(f"{name} ({rows:,} rows)" for name, rows in result.rows.items())
    console.print(f"[green]exported[/] {written} in {result.seconds:.1f} s -> {result.out_dir}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
