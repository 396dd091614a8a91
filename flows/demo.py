"""The demo: the whole pipeline as one flow on a default-sized synthetic data set.

Without a Prefect API the CLI runs it directly (flows/runner.py): the same steps, no server.

Order follows the one-writer rule (README, "What the pipeline guarantees"): each step opens
the warehouse itself and closes it before the next one starts; dbt builds what does not
depend on `ml`, the ML jobs write schema `ml`, then dbt builds what reads it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.build import build_warehouse
from flows.ingest import ingest_flow
from flows.monitoring import publish_dashboard, write_dashboard_page
from flows.runner import run_logger, run_subflow, run_task, running_directly
from flows.topics import build_retrieval_indexes, refresh_topics
from flows.train_score import train_and_score
from supportlake.settings import Settings, get_settings

DEMO_TICKETS = 20_000
DEMO_CHATS = 2_000
DEMO_SEED = 0
# The demo trains on a sample: enough for a useful model in well under a minute.
DEMO_TRAINING_ROWS = 10_000
# What reads the ML tables: the classification and topics steps build it once they have
# written them, so the first build leaves it out instead of building it on empty tables
# (134 of its 563 nodes).
AFTER_ML = ("source:ml+", "source:ml_topics+")


@dataclass
class DemoResult:
    warehouse: Path
    report: Path
    dashboard: Path
    chat_export: Path
    logs: Path
    steps: dict[str, str] = field(default_factory=dict)  # step -> one-line outcome
    outputs: dict[str, Path] = field(default_factory=dict)  # what a person opens -> where
    seconds: dict[str, float] = field(default_factory=dict)  # stage -> wall seconds

    def timing(self) -> str:
        """Where the demo's time went, one line: the stages a person waits for."""
        parts = [f"{stage} {seconds:.0f} s" for stage, seconds in self.seconds.items()]
        return f"{sum(self.seconds.values()):.0f} s: " + ", ".join(parts)


Result = TypeVar("Result")


def timed(seconds: dict[str, float], stage: str, work: Callable[..., Result], *args: Any,
          **kwargs: Any) -> Result:  # fmt: skip
    """work(*args, **kwargs), its wall time added to seconds[stage]."""
    started = time.perf_counter()
    try:
        return work(*args, **kwargs)
    finally:
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - started


def demo_outputs(settings: Settings, report: Path, dashboard: Path, chats: Path) -> dict:
    """Every place the demo wrote to, in the order a person would look at them."""
    return {
        "warehouse (the pipeline's DuckDB file)": settings.warehouse,
        "serving copy (BI tools, dashboard, API)": settings.serving_warehouse,
        "parquet exports of the marts": settings.exports / "marts",
        "analytics report": report,
        "dashboard": dashboard,
        "model reports (metrics, confusion matrices)": settings.reports / "models",
        "topic reports (clusters.json)": settings.reports / "topics",
        "trained models": settings.models_dir,
        "chats.csv / messages.csv": chats,
        "landing files (generated exports)": settings.landing,
        "logs (dbt, API, Prefect server)": settings.lake / "logs",
    }


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def generate_demo_data(settings: Settings, tickets: int, chats: int, seed: int) -> str:
    """Deterministic for a seed: a second demo rewrites identical files, which ingest skips."""
    from supportlake.generate.chats import generate_chats
    from supportlake.generate.knowledge_base import generate_knowledge_base
    from supportlake.generate.tickets import generate_tickets

    ticket_summary = generate_tickets(settings.landing_for("tickets"), rows=tickets, seed=seed)
    chat_summary = generate_chats(settings.landing_for("chats"), rows=chats, seed=seed)
    knowledge_base = generate_knowledge_base(
        settings.landing_for("tickets"),
        settings.landing_for("knowledge_base"),
        settings.landing_for("ticket_article_links"),
        seed=seed,
    )
    return (
        f"{ticket_summary.rows:,} ticket rows in {len(ticket_summary.files)} files, "
        f"{chat_summary.rows_written:,} chat rows in {len(chat_summary.files)} files, "
        f"{knowledge_base.articles} help-center articles cited on {knowledge_base.links:,} tickets"
    )


@task(cache_policy=NO_CACHE)
def write_analytics_report(settings: Settings) -> Path:
    from supportlake.analytics.report import ReportFilters
    from supportlake.analytics.run import run_analytics

    report = run_analytics(settings, ReportFilters(), refresh_models=True)
    return report.files["html"]


def data_quality_line(settings: Settings) -> str:
    """The build's per-load quality in one line: ok, or each warning (supportlake status)."""
    from supportlake.quality import collect_quality

    quality = collect_quality(settings)
    if not quality.warnings:
        return f"ok: {len(quality.loads)} loads within the thresholds"
    return f"{len(quality.warnings)} warning(s): " + " | ".join(quality.warnings)


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def export_chat_csvs(settings: Settings) -> Path:
    from supportlake.export.chats import export_chats

    return export_chats(settings=settings).out_dir


def _dashboard(settings: Settings) -> Path:
    """The dashboard page; a direct run writes the same page without the Prefect artifact
    (an artifact needs a Prefect API to be recorded in)."""
    if running_directly():
        return run_task(write_dashboard_page, settings).page
    return Path(publish_dashboard())


@flow(name="demo-pipeline")
def run_demo(
    tickets: int = DEMO_TICKETS, chats: int = DEMO_CHATS, seed: int = DEMO_SEED
) -> DemoResult:
    """generate (tickets, chats, knowledge base) -> ingest -> dbt build (marts, ticket graph)
    -> classify -> topics -> retrieval indexes -> analytics, exports, dashboard."""
    settings = get_settings()
    logger = run_logger()
    took: dict[str, float] = {}
    steps = {"generate": timed(took, "generate", run_task, generate_demo_data, settings,
                               tickets, chats, seed)}  # fmt: skip
    steps["ingest"] = str(timed(took, "ingest", run_subflow, ingest_flow, str(settings.landing)))
    steps["dbt build"] = timed(took, "dbt build", run_task, build_warehouse, settings, AFTER_ML)
    steps["data quality"] = data_quality_line(settings)
    # The folds of the search run on every core: a demo machine is otherwise idle.
    classification = timed(
        took,
        "classification",
        run_subflow,
        train_and_score,
        quick=True,
        max_training_rows=DEMO_TRAINING_ROWS,
        n_jobs=os.cpu_count() or 1,
    )
    steps |= {f"classification: {step}": line for step, line in classification.steps.items()}
    topics = timed(took, "topics", run_subflow, refresh_topics)
    steps |= {f"topics: {step}": line for step, line in topics.steps.items()}
    steps["retrieval indexes"] = timed(took, "retrieval indexes", run_task,
                                       build_retrieval_indexes, settings)  # fmt: skip
    report = timed(took, "analytics report", run_task, write_analytics_report, settings)
    chat_export = timed(took, "chat export", run_task, export_chat_csvs, settings)
    dashboard = timed(took, "dashboard", _dashboard, settings)
    for step, outcome in steps.items():
        logger.info("%s: %s", step, outcome)
    return DemoResult(
        warehouse=settings.warehouse,
        report=report,
        dashboard=dashboard,
        chat_export=chat_export,
        logs=settings.lake / "logs",
        steps=steps,
        outputs=demo_outputs(settings, report, dashboard, chat_export),
        seconds=took,
    )
