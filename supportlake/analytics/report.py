"""Compute the analytics report from the marts and write it as JSON, tables and an HTML page.

The metrics come from dbt (marts.agg_ticket_measures_daily, re-aggregated over the selection:
supportlake/analytics/queries.py), so the unfiltered report equals the roll-up marts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from supportlake.analytics.queries import (
    FILTERED_MEASURES,
    FILTERED_TICKETS,
    NOTEBOOK_PROCESSED,
    NOTEBOOK_QUERIES,
    REPORT_QUERIES,
    TOPIC_QUERIES,
)
from supportlake.analytics.ticket_history import compute_history_tables

# Tables the HTML page shows in full; the rest are linked as CSV (they can be long).
SHOWN_TABLES = (
    "resolution_by_category",
    "escalation_by_category",
    "sla_by_priority",
    "csat_by_channel",
)


@dataclass(frozen=True)
class ReportFilters:
    start_date: date | None = None
    end_date: date | None = None
    agent_id: str | None = None

    def parameters(self) -> dict[str, object]:
        return {"start_date": self.start_date, "end_date": self.end_date, "agent_id": self.agent_id}

    def describe(self) -> str:
        parts = [
            f"from {self.start_date}" if self.start_date else "",
            f"to {self.end_date}" if self.end_date else "",
            f"agent {self.agent_id}" if self.agent_id else "",
        ]
        return " ".join(part for part in parts if part) or "all tickets"


@dataclass
class AnalyticsReport:
    filters: ReportFilters
    generated_at: str
    tables: dict[str, pd.DataFrame]
    notebook: dict[str, object]
    insight: str
    satisfaction_drivers: dict[str, object] | None = None
    files: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        kpis = self.tables["kpis"].to_dict(orient="records")[0]
        return {
            "generated_at": self.generated_at,
            "filters": {key: _jsonable(value) for key, value in self.filters.parameters().items()},
            "insight": self.insight,
            "kpis": {key: _jsonable(value) for key, value in kpis.items()},
            "notebook": self.notebook,
            "satisfaction_drivers": self.satisfaction_drivers,
            "tables": {name: f"tables/{name}.csv" for name in self.tables},
        }


def _jsonable(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, date | datetime | pd.Timestamp):
        return value.isoformat()
    return value


def round_half_even(value: float | None, digits: int = 2) -> float | None:
    """Round as pandas' .round() does (numpy, half to even), so figures match the notebook."""
    if value is None or pd.isna(value):
        return None
    return float(np.round(value, digits))


def run_query(
    connection: duckdb.DuckDBPyConnection, body: str, filters: ReportFilters, *extra_ctes: str
) -> pd.DataFrame:
    ctes = "".join(f", {cte}" for cte in (FILTERED_MEASURES, *extra_ctes))
    return connection.execute(FILTERED_TICKETS + ctes + body, filters.parameters()).df()


def compute_notebook_figures(
    connection: duckdb.DuckDBPyConnection, filters: ReportFilters
) -> dict[str, object]:
    """The old notebook's five figures from the same rows it used (missing resolution dropped)."""
    frames = {
        name: run_query(connection, body, filters, NOTEBOOK_PROCESSED)
        for name, body in NOTEBOOK_QUERIES.items()
    }
    totals = frames["totals"].iloc[0]
    by_category = frames["by_category"]
    return {
        "total_processed_tickets": int(totals["total_processed_tickets"]),
        "average_resolution_minutes_by_category": {
            str(row.category): round_half_even(row.average_resolution_minutes)
            for row in by_category.itertuples()
        },
        "tickets_per_customer": {
            str(row.customer_id): int(row.tickets)
            for row in frames["tickets_per_customer"].itertuples()
        },
        "escalation_rate_percent": round_half_even(totals["escalation_rate"]),
        "escalation_rate_percent_by_category": {
            str(row.category): round_half_even(row.escalation_rate)
            for row in by_category.itertuples()
        },
    }


def _existing_tables(connection: duckdb.DuckDBPyConnection) -> set[str]:
    rows = connection.execute(
        "select table_schema || '.' || table_name from information_schema.tables"
    ).fetchall()
    return {name for (name,) in rows}


def compute_topic_tables(
    connection: duckdb.DuckDBPyConnection, filters: ReportFilters
) -> dict[str, pd.DataFrame]:
    """The topic tables whose sources exist (after `supportlake topics`); none before."""
    existing = _existing_tables(connection)
    return {
        name: run_query(connection, body, filters)
        for name, (needs, body) in TOPIC_QUERIES.items()
        if set(needs) <= existing
    }


def write_insight(tables: dict[str, pd.DataFrame]) -> str:
    """One line a support lead would act on: the slowest category and the escalation hot spot."""
    resolution = tables["resolution_by_category"].dropna(subset=["mean_resolution_minutes"])
    escalation = tables["escalation_by_category"]
    kpis = tables["kpis"].iloc[0]
    if resolution.empty or pd.isna(kpis["mean_resolution_minutes"]):
        return "No resolved tickets in this selection yet: nothing to compare."
    slowest = resolution.iloc[0]
    ratio = slowest["mean_resolution_minutes"] / kpis["mean_resolution_minutes"]
    hottest = escalation.iloc[0]
    return (
        f"{slowest['category']} tickets take the longest to resolve "
        f"({slowest['mean_resolution_minutes'] / 60:.1f} h on average, {ratio:.1f}x the overall "
        f"mean); {hottest['category']} escalates most often "
        f"({hottest['escalation_rate']:.1%} vs {kpis['escalation_rate']:.1%} overall)."
    )


def compute_report(
    connection: duckdb.DuckDBPyConnection,
    filters: ReportFilters,
    satisfaction_drivers: dict[str, object] | None = None,
) -> AnalyticsReport:
    tables = {name: run_query(connection, body, filters) for name, body in REPORT_QUERIES.items()}
    tables |= compute_topic_tables(connection, filters)
    tables |= compute_history_tables(
        connection, filters, FILTERED_TICKETS, _existing_tables(connection)
    )
    return AnalyticsReport(
        filters=filters,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tables=tables,
        notebook=compute_notebook_figures(connection, filters),
        insight=write_insight(tables),
        satisfaction_drivers=satisfaction_drivers,
    )
