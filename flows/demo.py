"""The demo: the whole pipeline as one Prefect flow on a default-sized synthetic data set.

Each step opens the warehouse itself and closes it before the next one starts (one writer).
Later steps (chats, classification, topics) add themselves here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from prefect import flow, get_run_logger, task

from supportlake.settings import Settings, get_settings

DEMO_TICKETS = 50_000
DEMO_SEED = 0


@dataclass
class DemoResult:
    warehouse: Path
    report: Path
    logs: Path
    steps: dict[str, str] = field(default_factory=dict)  # step -> one-line outcome


@task(retries=2, retry_delay_seconds=2)
def generate_demo_tickets(settings: Settings, rows: int, seed: int) -> str:
    from supportlake.generate.tickets import generate_tickets

    summary = generate_tickets(settings.landing_for("tickets"), rows=rows, seed=seed)
    return f"{summary.rows} ticket rows in {len(summary.files)} files"


@task
def build_marts(settings: Settings) -> str:
    from supportlake.transform import run_dbt

    return run_dbt(["build"], settings).summary()


@task
def write_analytics_report(settings: Settings) -> Path:
    from supportlake.analytics.report import ReportFilters
    from supportlake.analytics.run import run_analytics

    report = run_analytics(settings, ReportFilters(), refresh_models=True)
    return report.files["html"]


@flow(name="demo-pipeline")
def run_demo(rows: int = DEMO_TICKETS, seed: int = DEMO_SEED) -> DemoResult:
    """generate -> ingest -> dbt build -> analytics report."""
    from flows.ingest import ingest_flow

    settings = get_settings()
    logger = get_run_logger()
    steps = {"generate": generate_demo_tickets(settings, rows, seed)}
    steps["ingest"] = str(ingest_flow(str(settings.landing)))
    steps["dbt"] = build_marts(settings)
    report = write_analytics_report(settings)
    steps["report"] = str(report)
    for step, outcome in steps.items():
        logger.info("%s: %s", step, outcome)
    return DemoResult(
        warehouse=settings.warehouse, report=report, logs=settings.lake / "logs", steps=steps
    )
