"""One home per metric: the unfiltered analytics report equals the dbt roll-up marts, after
the real ingest and `dbt build` of the ticket fixtures. The report re-aggregates
marts.agg_ticket_measures_daily; any rule written a second time in Python would drift here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from supportlake.analytics.report import AnalyticsReport, ReportFilters, compute_report
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

TICKET_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "tickets"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[AnalyticsReport, dict]:
    root = tmp_path_factory.mktemp("rollups")
    settings = Settings.in_folder(root)
    ingest_path(TICKET_FIXTURES, settings)
    run_dbt(["build", "--selector", "tickets", "--target-path", str(root / "target")], settings)
    with open_warehouse(settings, read_only=True) as connection:
        report = compute_report(connection, ReportFilters())
        marts = {
            name: connection.execute(f"select * from marts.{name}").df()
            for name in (
                "agg_support_kpis",
                "agg_escalation_rate_by_category",
                "agg_resolution_time_by_category",
                "agg_first_response_time_by_priority",
                "agg_sla_compliance_by_priority_queue",
                "agg_csat_by_driver",
                "agents",
                "agg_ticket_volume_daily",
            )
        }
    return report, marts


def same(report_table: pd.DataFrame, mart: pd.DataFrame, key: str, columns: list[str]) -> None:
    left = report_table[[key, *columns]].sort_values(key).reset_index(drop=True)
    right = mart[[key, *columns]].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, rtol=1e-12)


def test_the_headline_equals_agg_support_kpis(built):
    report, marts = built
    kpis, mart = report.tables["kpis"], marts["agg_support_kpis"]
    shared = [column for column in mart.columns if column in kpis.columns]
    assert len(shared) >= 15
    assert kpis.loc[0, "ticket_count"] == 41  # every fixture ticket, none lost or doubled
    pd.testing.assert_frame_equal(kpis[shared], mart[shared], check_dtype=False, rtol=1e-12)


def test_category_tables_equal_the_category_rollups(built):
    report, marts = built
    same(
        report.tables["escalation_by_category"],
        marts["agg_escalation_rate_by_category"],
        "category",
        ["ticket_count", "escalation_rate"],
    )
    resolution = report.tables["resolution_by_category"].rename(
        columns={"resolved_ticket_count": "timed_ticket_count"}
    )
    same(
        resolution,
        marts["agg_resolution_time_by_category"],
        "category",
        [
            "timed_ticket_count",
            "mean_resolution_minutes",
            "median_resolution_minutes",
            "p90_resolution_minutes",
        ],
    )
    # One label for a missing category, the marts': no '(missing)' beside 'Unknown'.
    assert "(missing)" not in set(report.tables["category_distribution"]["category"])


def test_sla_and_csat_tables_equal_their_rollups(built):
    report, marts = built
    same(
        report.tables["sla_by_priority"],
        marts["agg_first_response_time_by_priority"],
        "priority",
        ["ticket_count", "first_response_sla_rate"],
    )
    by_priority = (
        marts["agg_sla_compliance_by_priority_queue"]
        .groupby("priority", as_index=False)[
            ["resolution_judged_count", "resolution_sla_missed_count"]
        ]
        .sum()
    )
    by_priority["resolution_sla_rate"] = (
        1 - by_priority["resolution_sla_missed_count"] / by_priority["resolution_judged_count"]
    )
    same(report.tables["sla_by_priority"], by_priority, "priority", ["resolution_sla_rate"])
    channels = marts["agg_csat_by_driver"].query("driver == 'channel'")
    same(
        report.tables["csat_by_channel"].rename(columns={"channel": "driver_value"}),
        channels,
        "driver_value",
        ["rated_ticket_count", "mean_satisfaction_score"],
    )


def test_the_leaderboard_equals_the_agents_mart_and_volume_the_daily_mart(built):
    report, marts = built
    same(
        report.tables["agent_performance"],
        marts["agents"],
        "agent_id",
        [
            "ticket_count",
            "resolved_ticket_count",
            "median_resolution_minutes",
            "median_first_response_minutes",
            "resolution_sla_rate",
            "rated_ticket_count",
            "mean_satisfaction_score",
            "escalation_rate",
            "reopen_rate",
        ],
    )
    same(
        report.tables["daily_volume"],
        marts["agg_ticket_volume_daily"],
        "created_date",
        ["ticket_count"],
    )
