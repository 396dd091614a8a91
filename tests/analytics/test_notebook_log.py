"""The old notebook's five-column log, end to end: ingest -> dbt build -> analytics report."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportlake.analytics.report import ReportFilters
from supportlake.analytics.run import run_analytics
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt

NOTEBOOK_LOG = Path(__file__).parents[1] / "fixtures/landing/tickets/notebook_export.csv"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("notebook_log")
    settings = Settings.in_folder(root)
    ingest_path(NOTEBOOK_LOG, settings, source="tickets")
    run_dbt(["build", "--selector", "tickets", "--target-path", str(root / "target")], settings)
    return run_analytics(settings, ReportFilters(), root / "report")


def test_the_minimal_log_gives_the_notebooks_figures(report):
    # By hand from the fixture: N-2002's later re-export (75 min, escalated) wins; N-2005's
    # negative duration is invalid, so it is dropped with the missing ones; the row without a
    # ticket_id is quarantined; categories are normalized ('BILLING' -> 'Billing').
    figures = report.notebook
    assert figures["total_processed_tickets"] == 5
    assert figures["average_resolution_minutes_by_category"] == {
        "Account": 130.5,
        "Billing": 75.0,
        "General Inquiry": 15.0,
        "Returns": 60.0,
        "Technical": 45.0,
    }
    assert figures["tickets_per_customer"] == {f"C-0{n}": 1 for n in (40, 41, 42, 43, 45)}
    assert figures["escalation_rate_percent"] == 40.0
    assert figures["escalation_rate_percent_by_category"] == {
        "Account": 0.0,
        "Billing": 100.0,
        "General Inquiry": 0.0,
        "Returns": 0.0,
        "Technical": 100.0,
    }


def test_the_report_is_written_with_those_figures(report):
    html = report.files["html"].read_text()
    assert "Total processed tickets: <b>5</b>" in html
    assert (report.files["html"].parent / "tables" / "tickets_per_customer.csv").exists()
