"""The scheduled deployments and the monitoring flow, on a real Prefect test server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.testing.utilities import prefect_test_harness

from flows.deployments import (
    HOURLY_CRON,
    NIGHTLY_CRON,
    SERVE_LIMIT,
    build_deployments,
    refresh_warehouse,
)
from flows.monitoring import DASHBOARD_ARTIFACT, publish_dashboard

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"


@pytest.fixture(scope="module")
def prefect_server():
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(tmp_path / "lake"))
    return tmp_path / "lake"


def test_deployments_run_on_the_documented_crons_one_at_a_time():
    deployments = {f"{d.flow_name}/{d.name}": d for d in build_deployments()}

    schedules = {
        name: [(s.schedule.cron, s.schedule.timezone) for s in deployment.schedules or []]
        for name, deployment in deployments.items()
    }
    assert schedules == {
        "refresh-warehouse/hourly": [("5 * * * *", "UTC")],
        "retrain-models/nightly": [("30 2 * * *", "UTC")],
        "publish-dashboard/on-demand": [],
    }
    assert (HOURLY_CRON, NIGHTLY_CRON) == ("5 * * * *", "30 2 * * *")
    entrypoints = {name: d.entrypoint for name, d in deployments.items()}
    assert entrypoints["refresh-warehouse/hourly"] == "flows.deployments.refresh_warehouse"
    assert SERVE_LIMIT == 1, "one flow run at a time: DuckDB has one writer"


def _artifact(key: str):
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key]))
        )
    return max(artifacts, key=lambda artifact: artifact.created)


def test_publish_dashboard_writes_the_page_and_a_markdown_artifact(prefect_server, lake):
    page = Path(publish_dashboard())

    assert page == lake / "reports" / "dashboard" / "index.html"
    assert "no serving copy at" in page.read_text()  # the dashboard never opens the writer's file
    artifact = _artifact(DASHBOARD_ARTIFACT)
    assert artifact.type == "markdown"
    assert "# supportlake dashboard" in artifact.data
    assert "not shown: no serving copy" in artifact.data


@pytest.mark.slow
def test_refresh_warehouse_ingests_builds_and_publishes(prefect_server, lake):
    shutil.copytree(FIXTURES, lake / "landing")

    steps = refresh_warehouse()

    assert "loaded" in steps["ingest"]
    assert steps["dbt"].startswith("dbt build:")
    assert Path(steps["dashboard"]).exists()
    assert "| dbt |" in _artifact("refresh-warehouse").data
