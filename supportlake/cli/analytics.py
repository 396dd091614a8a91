"""`supportlake analytics`: the report on the marts (JSON, tables, an HTML page with plots)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from supportlake.catalog import as_of as catalog_as_of
from supportlake.console import console
from supportlake.settings import get_settings


def analytics(
    start_date: datetime = typer.Option(None, formats=["%Y-%m-%d"], help="first created date"),
    end_date: datetime = typer.Option(None, formats=["%Y-%m-%d"], help="last created date"),
    agent_id: str = typer.Option(None, help="only this agent's tickets"),
    output_dir: Path = typer.Option(None, help="default: <lake>/reports/analytics"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the report, write nothing"),
    refresh_models: bool = typer.Option(
        False, "--refresh-models", help="retrain the satisfaction-drivers model first"
    ),
    as_of: str = typer.Option(
        None, help="DuckLake: the marts as of this snapshot id or time (`supportlake snapshots`)"
    ),
) -> None:
    """Report on the marts: JSON, CSV/parquet tables and an HTML page with plots."""
    # imported when run: pandas, matplotlib and scikit-learn cost seconds of `--help`
    from supportlake.analytics.report import ReportFilters
    from supportlake.analytics.run import print_report, run_analytics

    try:
        settings = catalog_as_of(get_settings(), as_of)
    except ValueError as error:
        console.print(f"[red]error:[/] {error}")
        raise typer.Exit(1) from None
    filters = ReportFilters(
        start_date=start_date.date() if start_date else None,
        end_date=end_date.date() if end_date else None,
        agent_id=agent_id,
    )
    report = run_analytics(
        settings, filters, output_dir, dry_run=dry_run, refresh_models=refresh_models
    )
    print_report(report)
    if dry_run:
        console.print("[yellow]dry run:[/] nothing written")
    else:
        console.print(
            f"[green]report written[/] -> {report.files['html']} (+ report.json, tables/)"
        )


def register(app: typer.Typer) -> None:
    app.command()(analytics)
