"""The `supportlake` command line. Each command ends with a short summary of what it did."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from supportlake.console import console
from supportlake.settings import apply_offline_environment, get_settings

app = typer.Typer(
    help="supportlake: land support data in DuckDB, build dbt marts, train and serve models.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _setup() -> None:
    apply_offline_environment(get_settings())


@app.command()
def demo(
    tickets: int = typer.Option(None, "--tickets", "--rows", help="synthetic tickets [20,000]"),
    chats: int = typer.Option(None, help="synthetic chats [2,000]"),
    seed: int = typer.Option(None, help="generator seed; same seed, same data [0]"),
) -> None:
    """Generate a demo data set and run the whole pipeline as one flow."""
    from flows.demo import run_demo
    from flows.runner import run_flow

    chosen = {"tickets": tickets, "chats": chats, "seed": seed}
    chosen = {name: value for name, value in chosen.items() if value is not None}
    result = run_flow("demo", lambda: run_demo, say=console.print, **chosen)
    for step, outcome in result.steps.items():
        console.print(f"  [bold]{step}[/]: {outcome}")
    console.print("[green]demo done[/]; everything it wrote:")
    for label, path in result.outputs.items():
        console.print(f"  {label}: {path}", soft_wrap=True)


@app.command()
def analytics(
    start_date: datetime = typer.Option(None, formats=["%Y-%m-%d"], help="first created date"),
    end_date: datetime = typer.Option(None, formats=["%Y-%m-%d"], help="last created date"),
    agent_id: str = typer.Option(None, help="only this agent's tickets"),
    output_dir: Path = typer.Option(None, help="default: <lake>/reports/analytics"),
    dry_run: bool = typer.Option(False, "--dry-run", help="print the report, write nothing"),
    refresh_models: bool = typer.Option(
        False, "--refresh-models", help="retrain the satisfaction-drivers model first"
    ),
) -> None:
    """Report on the marts: JSON, CSV/parquet tables and an HTML page with plots."""
    from supportlake.analytics.report import ReportFilters
    from supportlake.analytics.run import print_report, run_analytics

    settings = get_settings()
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


# --- commands defined in their own modules register here -----------------------------------
from supportlake.ingest.command import ingest  # noqa: E402 -- registered after the app exists

app.command()(ingest)

from supportlake.build_command import build  # noqa: E402

app.command()(build)

from supportlake.topics_commands import register as register_topics  # noqa: E402

register_topics(app)

from supportlake.generate.cli import generate_app  # noqa: E402

app.add_typer(generate_app, name="generate")

from supportlake.generate.chats import chats_command as generate_chats  # noqa: E402

generate_app.command("chats")(generate_chats)

from supportlake.export.chats import export_app  # noqa: E402

app.add_typer(export_app, name="export")

from supportlake.ml_commands import register as register_classification  # noqa: E402

register_classification(app)

from supportlake.status import status_command  # noqa: E402

app.command("status")(status_command)

from supportlake.serve_commands import register as register_serving  # noqa: E402

register_serving(app)

from supportlake.recommend_command import recommend  # noqa: E402

app.command()(recommend)
