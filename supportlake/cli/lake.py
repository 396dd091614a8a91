"""`supportlake snapshots`: the DuckLake catalog's history, for audits and `--as-of`."""

from __future__ import annotations

import typer
from rich.table import Table

from supportlake.catalog import snapshots as catalog_snapshots
from supportlake.catalog import uses_ducklake
from supportlake.console import console
from supportlake.settings import get_settings
from supportlake.warehouse import open_warehouse


def snapshots(
    last: int = typer.Option(20, min=1, help="show the newest N snapshots"),
) -> None:
    """List the DuckLake catalog's snapshots (id, time, what changed); any of them, or a
    time, goes to `supportlake analytics --as-of`."""
    settings = get_settings()
    if not uses_ducklake(settings):
        console.print(
            "[red]no snapshots:[/] the single-file warehouse keeps no history; set "
            "SUPPORTLAKE_CATALOG to a DuckLake catalog (docs/scale-out.md)"
        )
        raise typer.Exit(1)
    with open_warehouse(settings, read_only=True) as connection:
        history = catalog_snapshots(connection)
    table = Table("snapshot", "taken at (UTC)", "changes")
    for snapshot in history[-last:]:
        table.add_row(
            str(snapshot.snapshot_id),
            f"{snapshot.taken_at:%Y-%m-%d %H:%M:%S}",
            snapshot.changes,
        )
    console.print(table)
    console.print(
        f"[green]{len(history)} snapshots[/] in {settings.catalog}; read one with "
        "`supportlake analytics --as-of <snapshot or time>`"
    )


def register(app: typer.Typer) -> None:
    app.command()(snapshots)
