"""The topics flow on a real Prefect test server and a real dbt build, then the CLI."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness
from typer.testing import CliRunner

from flows.topics import refresh_topics
from supportlake.cli import app
from tests.topics.ticket_fixtures import START, make_daily_tickets, write_tickets


@pytest.fixture(scope="module", autouse=True)
def prefect_server():
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def environment(settings, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(settings.lake))
    monkeypatch.setenv("SUPPORTLAKE_MODELS_DIR", str(settings.models_dir))
    return settings


def test_topics_flow_clusters_builds_the_marts_and_flags_the_injected_spike(environment):
    settings = environment
    write_tickets(settings, make_daily_tickets(spike_day=63, spike_tickets=25))

    result = refresh_topics(n_clusters=3)

    assert result.embedding.embedded_texts > 0
    assert result.clustering.clustered_tickets == 70 * 3 * 2 + 25
    assert "error" not in result.dbt and "fail" not in result.dbt
    spike_date = (START + timedelta(days=63)).date()
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        spikes = connection.execute(
            """
            select anomaly_date, z_score, explanation from marts.ticket_anomalies
            where anomaly_type = 'volume_spike' and series_type = 'category'
                and series_value = 'Billing'
            """
        ).fetchall()
        other_categories = connection.execute(
            """
            select count(*) from marts.ticket_anomalies
            where series_type = 'category' and series_value <> 'Billing'
            """
        ).fetchall()[0][0]
        clusters = connection.execute(
            "select cluster_label, ticket_count, top_category from marts.topic_clusters"
        ).fetchall()
    assert [row[0] for row in spikes] == [spike_date]
    assert spikes[0][1] > 3
    assert spikes[0][2].startswith(f"Billing tickets on {spike_date}: 27, against a usual 2.0")
    assert other_categories == 0  # steady series raise nothing
    assert len(clusters) == 3
    assert {row[2] for row in clusters} == {"Billing", "Account", "Technical"}
    assert result.steps["topics"].startswith("3 topics, 0 labelled and 0 clusters merged")
    # The report's category mix is read back from dbt's topic_cluster_mixes after the build.
    report = json.loads(Path(result.clustering.files["json"]).read_text())
    assert {c["top_categories"][0]["category"] for c in report["clusters"]} == {
        "Billing",
        "Account",
        "Technical",
    }

    similar = CliRunner().invoke(
        app, ["similar", "refund my double payment", "-k", "3"], env={"COLUMNS": "200"}
    )
    assert similar.exit_code == 0, similar.output
    assert "3 similar resolved tickets" in similar.output
    assert "Billing" in similar.output
