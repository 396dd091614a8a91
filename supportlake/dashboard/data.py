"""What the dashboard shows, read from the serving copy (never the writer's file) in one
read-only connection that is closed before drawing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from supportlake.serving import open_serving, serving_path
from supportlake.settings import Settings

if TYPE_CHECKING:  # read lazily in read_dashboard_data: the report pulls in the analytics stack
    from supportlake.analytics.report import AnalyticsReport

# The monitoring marts (dbt_project/models/marts/monitoring), newest days first where dated.
MONITORING_QUERIES = {
    "requests_daily": """
        select * from marts.agg_api_requests_daily
        where prediction_date >= (select max(prediction_date) - ($days - 1)
                                  from marts.agg_api_requests_daily)
        order by prediction_date, endpoint
    """,
    "predictions_daily": """
        select * from marts.agg_predictions_daily
        where prediction_date >= (select max(prediction_date) - ($days - 1)
                                  from marts.agg_predictions_daily)
        order by prediction_date, task, predicted_class
    """,
    "drift_daily": """
        select * from marts.agg_prediction_drift_daily
        where prediction_date >= (select max(prediction_date) - ($days - 1)
                                  from marts.agg_prediction_drift_daily)
        order by prediction_date, drift_feature
    """,
    "feedback_agreement": """
        select * from marts.agg_feedback_agreement order by task, model_version
    """,
    "recent_escalations": """
        select escalated_at, ticket_id, subject, predicted_category, priority_confidence,
            model_version
        from marts.escalations order by escalated_at desc limit 15
    """,
}
MONITORING_TABLES = (
    "agg_api_requests_daily",
    "agg_predictions_daily",
    "agg_prediction_drift_daily",
    "agg_feedback_agreement",
    "escalations",
)
DEFAULT_DAYS = 30


@dataclass
class DashboardData:
    generated_at: datetime
    warehouse: str
    monitoring: dict[str, pd.DataFrame] = field(default_factory=dict)
    analytics: AnalyticsReport | None = None
    problems: list[str] = field(default_factory=list)  # what could not be shown, and why


def _existing_marts(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall()
    return {name for (name,) in rows}


def read_dashboard_data(settings: Settings, days: int = DEFAULT_DAYS) -> DashboardData:
    """Monitoring marts and the support analytics, read-only; missing parts become problems."""
    from supportlake.analytics.report import ReportFilters, compute_report

    data = DashboardData(datetime.now(UTC), str(settings.serving_warehouse))
    if not serving_path(settings).exists():
        data.problems.append(
            f"no serving copy at {settings.serving_warehouse} yet: run `supportlake ingest` and "
            "`supportlake build`"
        )
        return data
    with open_serving(settings) as connection:
        marts = _existing_marts(connection)
        missing = [name for name in MONITORING_TABLES if name not in marts]
        if missing:
            data.problems.append(
                f"monitoring marts not built yet ({', '.join(missing)}): run `supportlake build`"
            )
        else:
            data.monitoring = {
                name: connection.execute(query, {"days": days} if "$days" in query else None).df()
                for name, query in MONITORING_QUERIES.items()
            }
        # The report reads the tickets and the measures behind every rate (analytics/queries.py).
        if {"tickets", "agg_ticket_measures_daily"} <= marts:
            try:
                data.analytics = compute_report(connection, ReportFilters())
            except duckdb.Error as error:
                data.problems.append(f"support analytics failed: {str(error).splitlines()[0]}")
        else:
            data.problems.append(
                "marts.tickets / agg_ticket_measures_daily not built yet: no support analytics"
            )
    return data
