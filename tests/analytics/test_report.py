"""The analytics report: notebook figures match the notebook's pandas, filters bind, files land."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from supportlake.analytics.report import ReportFilters, compute_report
from supportlake.analytics.report_files import write_report
from tests.analytics.conftest import build_report_warehouse, open_copy

CATEGORIES = ["Technical", "Billing", "Account"]


def make_tickets(rows: int = 400, seed: int = 7) -> pd.DataFrame:
    """Tickets in the marts.tickets shape over about a month, 10% without a resolution."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2025-03-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 30, rows), "m")
    resolution = rng.gamma(2.0, 300.0, rows).round(1)
    resolution[rng.random(rows) < 0.1] = np.nan  # the notebook drops these
    return pd.DataFrame(
        {
            "ticket_id": [f"T{i:05d}" for i in range(rows)],
            "customer_id": [f"C{int(c):03d}" for c in rng.zipf(1.6, rows) % 60],
            "agent_id": rng.choice(["A1", "A2", "A3"], rows),
            "created_at": created,
            "created_date": created.normalize().date,
            "status": "Resolved",
            "priority": rng.choice(["Urgent", "High", "Medium", "Low"], rows),
            "category": rng.choice(CATEGORIES, rows),
            "channel": rng.choice(["Email", "Chat"], rows),
            "queue": "General",
            "message": "my laptop will not start after the update please help",
            "resolved_at": created + pd.to_timedelta(resolution, "m"),  # NaT when open
            "is_escalated": rng.random(rows) < 0.2,
            "is_reopened": rng.random(rows) < 0.1,
            "satisfaction_score": rng.integers(1, 6, rows),
            "reopened_count": rng.integers(0, 2, rows),
            "resolution_minutes": resolution,
            "first_response_minutes": rng.gamma(2.0, 30.0, rows),
            "is_resolved": ~np.isnan(resolution),
            "business_resolution_minutes": resolution * 0.6,
            "is_first_response_sla_met": rng.random(rows) < 0.8,
            "is_first_response_sla_met_in_business_hours": rng.random(rows) < 0.85,
            "is_resolution_sla_met": rng.random(rows) < 0.7,
            "is_resolution_sla_met_in_business_hours": rng.random(rows) < 0.75,
            "has_missing_resolution": np.isnan(resolution),
            "has_invalid_value": False,
            "is_duplicated": False,
        }
    )


@pytest.fixture(scope="module")
def tickets_frame() -> pd.DataFrame:
    return make_tickets()


@pytest.fixture(scope="module")
def warehouse(tickets_frame: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report_warehouse(tickets_frame, tmp_path_factory.mktemp("report"))


@pytest.fixture
def connection(warehouse: Path, tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = open_copy(warehouse, tmp_path)
    yield connection
    connection.close()


def notebook_way(frame: pd.DataFrame) -> dict:
    """The old notebook's pandas, verbatim in spirit: dropna first, then aggregate, round(2)."""
    processed = frame.dropna(subset=["resolution_minutes"])
    return {
        "total": len(processed),
        "avg": processed.groupby("category")["resolution_minutes"].mean().round(2).to_dict(),
        "per_customer": processed.groupby("customer_id").size().to_dict(),
        "escalation": round(float(processed["is_escalated"].mean() * 100), 2),
        "escalation_by_category": (
            (processed.groupby("category")["is_escalated"].mean() * 100).round(2).to_dict()
        ),
    }


def test_notebook_figures_match_the_notebooks_own_computation(connection, tickets_frame):
    report = compute_report(connection, ReportFilters())
    expected = notebook_way(tickets_frame)
    figures = report.notebook
    assert figures["total_processed_tickets"] == expected["total"]
    assert figures["average_resolution_minutes_by_category"] == expected["avg"]
    assert figures["tickets_per_customer"] == expected["per_customer"]
    assert figures["escalation_rate_percent"] == pytest.approx(expected["escalation"], abs=1e-9)
    assert figures["escalation_rate_percent_by_category"] == expected["escalation_by_category"]


def test_filters_restrict_every_table_to_the_selection(connection, tickets_frame):
    filters = ReportFilters(start_date=date(2025, 3, 10), end_date=date(2025, 3, 20), agent_id="A2")
    report = compute_report(connection, filters)
    selected = tickets_frame[
        (tickets_frame["created_date"] >= date(2025, 3, 10))
        & (tickets_frame["created_date"] <= date(2025, 3, 20))
        & (tickets_frame["agent_id"] == "A2")
    ]
    assert report.tables["kpis"].loc[0, "ticket_count"] == len(selected)
    assert set(report.tables["agent_performance"]["agent_id"]) == {"A2"}
    assert report.tables["daily_volume"]["ticket_count"].sum() == len(selected)


def test_filter_values_are_bound_not_pasted(connection):
    hostile = "A1' or '1'='1"
    report = compute_report(connection, ReportFilters(agent_id=hostile))
    assert report.tables["kpis"].loc[0, "ticket_count"] == 0


def test_written_report_has_json_tables_plots_and_page(connection, tmp_path):
    report = compute_report(connection, ReportFilters())
    files = write_report(report, tmp_path)
    payload = json.loads(files["json"].read_text())
    total = report.notebook["total_processed_tickets"]
    assert payload["notebook"]["total_processed_tickets"] == total
    assert payload["insight"] == report.insight and "longest to resolve" in report.insight
    for name in report.tables:
        assert (tmp_path / "tables" / f"{name}.csv").exists()
        assert (tmp_path / "tables" / f"{name}.parquet").exists()
    for plot in ("distributions", "volume", "resolution", "arrivals", "text_length"):
        assert (tmp_path / "plots" / f"{plot}.png").stat().st_size > 5_000
    page = files["html"].read_text()
    assert 'src="plots/arrivals.png"' in page and "Total processed tickets" in page
