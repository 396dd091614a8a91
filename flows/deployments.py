"""Scheduled deployments: what `supportlake deploy` serves, and on which cron.

    refresh-warehouse/hourly   ingest new landing files (API logs included) -> dbt build
                               -> dashboard                       every hour at :05 UTC
    retrain-models/nightly     challenger per task, promoted only if it beats the champion
                               on a fresh holdout -> score (flows/train_score.py) -> dashboard
                                                                  every day at 02:30 UTC
    publish-dashboard/on-demand   the dashboard alone             no schedule

`serve(..., limit=1)` runs one flow run at a time, so two scheduled runs never write the
warehouse together (DuckDB has one writer); a run due while another runs starts after it.
Every step opens the warehouse itself and closes it; each run publishes a markdown artifact.
"""

from __future__ import annotations

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.deployments.runner import EntrypointType
from prefect.schedules import Cron

from flows.build import build_warehouse
from flows.monitoring import publish_dashboard
from supportlake.settings import get_settings

TIMEZONE = "UTC"
HOURLY_CRON = "5 * * * *"  # :05, after the API closed the previous hour's logs
NIGHTLY_CRON = "30 2 * * *"
SERVE_LIMIT = 1  # flow runs at a time: one warehouse writer


def _publish_run_summary(key: str, title: str, steps: dict[str, str]) -> None:
    lines = [f"# {title}", "", "| step | outcome |", "|---|---|"]
    lines += [f"| {step} | {outcome.replace('|', '/')} |" for step, outcome in steps.items()]
    create_markdown_artifact(markdown="\n".join(lines) + "\n", key=key, description=title)


@flow
def refresh_warehouse() -> dict[str, str]:
    """Ingest what landed since the last run, rebuild the marts, regenerate the dashboard."""
    from flows.ingest import ingest_flow

    settings = get_settings()
    steps = {"ingest": str(ingest_flow(str(settings.landing)))}
    steps["dbt"] = build_warehouse(settings)
    steps["dashboard"] = publish_dashboard()
    for step, outcome in steps.items():
        get_run_logger().info("%s: %s", step, outcome)
    _publish_run_summary("refresh-warehouse", "Warehouse refresh", steps)
    return steps


@flow
def retrain_models() -> dict[str, str]:
    """Train challengers on the marts (and corrections), promote only winners, score, and
    regenerate the dashboard; `supportlake rollback` undoes a promotion."""
    from flows.train_score import train_and_score

    steps = dict(train_and_score(retrain=True).steps)
    steps["dashboard"] = publish_dashboard()
    for step, outcome in steps.items():
        get_run_logger().info("%s: %s", step, outcome)
    _publish_run_summary("retrain-models", "Nightly training and scoring", steps)
    return steps


def build_deployments() -> list:
    """The RunnerDeployments `supportlake deploy` serves (building them needs no server).
    Module entrypoints (flows.deployments:...) run from any working directory."""
    return [
        refresh_warehouse.to_deployment(
            name="hourly",
            schedules=[Cron(HOURLY_CRON, timezone=TIMEZONE)],
            description="Ingest new landing files, dbt build, dashboard.",
            tags=["supportlake", "warehouse"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        ),
        retrain_models.to_deployment(
            name="nightly",
            schedules=[Cron(NIGHTLY_CRON, timezone=TIMEZONE)],
            description="Train and score the classifiers, dashboard.",
            tags=["supportlake", "ml"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        ),
        publish_dashboard.to_deployment(
            name="on-demand",
            description="Regenerate the operations dashboard (read-only).",
            tags=["supportlake", "monitoring"],
            entrypoint_type=EntrypointType.MODULE_PATH,
        ),
    ]
