"""The `supportlake analytics` job: optionally refresh the CSAT model, compute, write or print."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from rich.table import Table

from ml.satisfaction import (
    fit_satisfaction_model,
    load_satisfaction_drivers,
    save_satisfaction_model,
)
from supportlake.analytics.queries import SATISFACTION_TRAINING_ROWS
from supportlake.analytics.report import (
    AnalyticsReport,
    ReportFilters,
    compute_report,
)
from supportlake.analytics.report_files import write_report
from supportlake.console import console
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

# Bounded memory: the drivers model learns from a deterministic sample of rated tickets.
SATISFACTION_SAMPLE_ROWS = 200_000


def refresh_satisfaction_model(settings: Settings) -> dict[str, object]:
    """Retrain the CSAT-drivers model from marts.tickets and register it beside the classifiers."""
    with open_warehouse(settings, read_only=True) as connection:
        tickets = connection.execute(
            SATISFACTION_TRAINING_ROWS, {"limit": SATISFACTION_SAMPLE_ROWS}
        ).df()
    pipeline, drivers = fit_satisfaction_model(tickets)
    save_satisfaction_model(pipeline, drivers, settings.models_dir, tickets)
    return drivers.__dict__


def run_analytics(
    settings: Settings,
    filters: ReportFilters,
    output_dir: Path | None = None,
    *,
    dry_run: bool = False,
    refresh_models: bool = False,
) -> AnalyticsReport:
    if refresh_models:
        refresh_satisfaction_model(settings)
    drivers = load_satisfaction_drivers(settings.models_dir)
    with open_warehouse(settings, read_only=True) as connection:
        report = compute_report(connection, filters, drivers.__dict__ if drivers else None)
    if not dry_run:
        write_report(report, output_dir or settings.reports / "analytics")
    return report


def _percent_or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value}%"


def print_report(report: AnalyticsReport) -> None:
    """The dry-run view: headline figures, the notebook's figures and the insight."""
    from supportlake.analytics.html import readable

    kpis = readable(report.tables["kpis"]).iloc[0]  # rates in percent, durations in hours
    headline = Table(title=f"Support analytics ({report.filters.describe()})")
    headline.add_column("figure")
    headline.add_column("value", justify="right")
    for name, value in kpis.items():
        headline.add_row(name, str(value))
    console.print(headline)
    notebook: dict[str, Any] = report.notebook
    by_category = Table(title="Notebook figures (missing resolution times dropped)")
    for column in ("category", "avg resolution minutes", "escalation rate %"):
        by_category.add_column(column, justify="right")
    for category, minutes in notebook["average_resolution_minutes_by_category"].items():
        escalation = notebook["escalation_rate_percent_by_category"][category]
        by_category.add_row(category, str(minutes), str(escalation))
    console.print(by_category)
    console.print(
        f"total processed tickets {notebook['total_processed_tickets']}, "
        f"escalation rate {_percent_or_dash(notebook['escalation_rate_percent'])}, "
        f"{len(notebook['tickets_per_customer'])} customers"
    )
    if report.satisfaction_drivers:
        top = list(cast(dict[str, float], report.satisfaction_drivers["importances"]))[:3]
        console.print(f"CSAT drivers (strongest first): {', '.join(top)}")
    console.print(f"[bold]Insight:[/] {report.insight}")
