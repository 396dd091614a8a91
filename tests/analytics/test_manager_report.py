"""The report a support manager reads: the marts' measure names and units, KPI tiles in hours,
weekly trends, the agent leaderboard, anomalies, topics over time, and empty sections that
say why they are empty."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from supportlake.analytics.html import hours, percent
from supportlake.analytics.report import ReportFilters, compute_report
from supportlake.analytics.report_files import write_report
from tests.analytics.conftest import build_report_warehouse, open_copy
from tests.analytics.test_report import make_tickets

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "tickets"


def mart_columns(yml: str) -> set[str]:
    [model] = yaml.safe_load((MARTS / yml).read_text())["models"]
    return {column["name"] for column in model["columns"]}


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return make_tickets(600)


@pytest.fixture(scope="module")
def warehouse(tickets: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report_warehouse(tickets, tmp_path_factory.mktemp("manager_report"))


@pytest.fixture
def connection(warehouse: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_copy(warehouse, tmp_path)
    yield connection
    connection.close()


def page(connection, folder: Path, filters: ReportFilters | None = None) -> tuple:
    report = compute_report(connection, filters or ReportFilters())
    files = write_report(report, folder)
    return report, " ".join(files["html"].read_text().split())


def test_measures_have_the_marts_names_and_rates_are_fractions(connection, tickets, tmp_path):
    report, html = page(connection, tmp_path)
    kpis = report.tables["kpis"]

    shared = mart_columns("agg_support_kpis.yml") - {
        "customer_count",
        "agent_count",
        "first_ticket_date",
        "last_ticket_date",
    }
    assert shared <= set(kpis.columns), shared - set(kpis.columns)
    assert set(report.tables["agent_performance"].columns) <= mart_columns("agents.yml")
    assert not [name for name in report.to_dict()["kpis"] if name.endswith("_percent")]
    assert kpis.loc[0, "escalation_rate"] == pytest.approx(tickets["is_escalated"].mean())
    # The page shows the same fraction as percent.
    assert f'Escalation rate</div><div class="value">{tickets["is_escalated"].mean():.1%}' in (
        html.replace("> <", "><")
    )


def test_kpi_tiles_show_durations_in_hours_with_mean_and_median(connection, tickets, tmp_path):
    _, html = page(connection, tmp_path)
    minutes = tickets["resolution_minutes"]
    tile = html.replace("> <", "><")

    assert (
        f'Resolution time (median)</div><div class="value">{hours(minutes.median())}</div>'
        f'<div class="detail">mean {hours(minutes.mean())}' in tile
    )
    first = tickets["first_response_minutes"]
    assert f"{hours(first.median())}" in tile and f"mean {hours(first.mean())}" in tile


def test_weekly_trends_count_breaches_backlog_and_csat(connection, tickets, tmp_path):
    report, html = page(connection, tmp_path)
    trends = report.tables["weekly_trends"].set_index("week_start")
    week = pd.to_datetime(tickets["created_date"]).dt.to_period("W-SUN").dt.start_time

    breaches = (~tickets["is_resolution_sla_met"]).groupby(week).sum()
    assert trends["resolution_sla_breach_count"].to_dict() == breaches.to_dict()
    csat = tickets["satisfaction_score"].groupby(week).mean()
    assert trends["mean_satisfaction_score"].to_dict() == pytest.approx(csat.to_dict())

    backlog = report.tables["weekly_backlog"].set_index("week_start")
    some_week = sorted(backlog.index)[2]
    week_end = pd.Timestamp(some_week) + pd.Timedelta(days=7)
    still_open = (tickets["created_at"] < week_end) & ~(tickets["resolved_at"] < week_end)
    assert backlog.loc[some_week, "open_ticket_count"] == still_open.sum()
    assert 'src="plots/weekly_trends.png"' in html
    assert (tmp_path / "plots" / "weekly_trends.png").stat().st_size > 5_000


def test_leaderboard_anomalies_and_topics_over_time_are_shown(connection, tickets, tmp_path):
    connection.execute(
        """
        create table marts.ticket_anomalies as select
            date '2025-03-12' as anomaly_date, 'volume_spike' as anomaly_type,
            'category' as series_type, 'Billing' as series_value, null as series_label,
            40.0 as observed_value, 12.0 as expected_value, 5.1 as z_score,
            'Billing tickets spiked to 40 on 2025-03-12 against 12 expected.' as explanation
        """
    )
    connection.execute(
        "create table marts.topic_clusters as select * from (values "
        "(0, 'refund / invoice'), (1, 'login / password')) as t(cluster_id, cluster_label)"
    )
    connection.execute(
        "create table ml.ticket_clusters as select ticket_id, "
        "(hash(ticket_id) % 2)::int as cluster_id from marts.tickets"
    )

    report, html = page(connection, tmp_path)

    assert "Agent leaderboard" in html and "<td>A1</td>" in html
    assert "Billing tickets spiked to 40 on 2025-03-12 against 12 expected." in html
    volume = report.tables["weekly_topic_volume"]
    assert volume["ticket_count"].sum() == len(tickets)
    assert set(volume["cluster_label"]) == {"refund / invoice", "login / password"}
    assert 'src="plots/topic_volume.png"' in html


def test_empty_sections_say_why(tickets, tmp_path):
    unassigned = "update marts.tickets set agent_id = null"
    connection = duckdb.connect(str(build_report_warehouse(tickets, tmp_path, then=unassigned)))

    _, html = page(connection, tmp_path)

    assert "No ticket in this selection has an agent" in html
    assert "Anomalies come from the topics flow: run `supportlake topics`" in html
    assert "No topics yet: topics come from `supportlake topics`" in html
    assert 'src="plots/topic_volume.png"' not in html


def test_an_empty_selection_still_renders_with_explanations(connection, tmp_path):
    filters = ReportFilters(agent_id="nobody")
    report, html = page(connection, tmp_path, filters)

    assert report.tables["kpis"].loc[0, "ticket_count"] == 0
    assert "No tickets with a creation date in this selection: no weekly trends." in html
    assert percent(None) == "-" and hours(float("nan")) == "-"


def test_a_file_without_dates_or_resolutions_explains_the_empty_plots(tickets, tmp_path):
    undated = (
        "update marts.tickets set created_at = null, created_date = null, resolved_at = null, "
        "resolution_minutes = null"
    )
    connection = duckdb.connect(str(build_report_warehouse(tickets, tmp_path, then=undated)))

    _, html = page(connection, tmp_path)

    assert "No ticket in this selection has a creation date (created_at)" in html
    assert "No ticket in this selection has a resolution time" in html
    assert "No ticket in this selection has a creation time (created_at)." in html
    for plot in ("volume", "resolution", "arrivals", "weekly_trends"):
        assert f'src="plots/{plot}.png"' not in html
