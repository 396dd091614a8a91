"""Monitoring flow: regenerate the operations dashboard and publish its summary as an artifact.

Read-only on the warehouse: it can run beside the API and after any pipeline step. A
warehouse locked by a writer (another flow's step) is an IO error and is retried.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows.retries import is_io_error
from supportlake.dashboard.page import Dashboard, write_dashboard
from supportlake.settings import Settings, get_settings

DASHBOARD_ARTIFACT = "supportlake-dashboard"


@task(retries=3, retry_delay_seconds=15, retry_condition_fn=is_io_error, cache_policy=NO_CACHE)
def write_dashboard_page(settings: Settings) -> Dashboard:
    return write_dashboard(settings)


@flow
def publish_dashboard() -> str:
    """Write <reports>/dashboard/index.html from the marts; return its path."""
    settings = get_settings()
    dashboard = write_dashboard_page(settings)
    create_markdown_artifact(
        markdown=dashboard.summary_markdown(),
        key=DASHBOARD_ARTIFACT,
        description="Prediction service and support analytics, as of this run",
    )
    get_run_logger().info("dashboard: %s", dashboard.page)
    return str(dashboard.page)


if __name__ == "__main__":
    print(publish_dashboard())
