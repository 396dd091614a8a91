"""The report's readable page: one self-explaining HTML file next to its plots and tables."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, select_autoescape

from supportlake.analytics.report import SHOWN_TABLES, AnalyticsReport
from supportlake.analytics.ticket_history import history_sections

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support analytics</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; }
td.text, th.text { text-align: left; }
th { background: #f3f3f3; } .insight { font-size: 1.15rem; background: #eef6ee; padding: .8rem; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: .6rem; margin: 1rem 0; }
.tile { border: 1px solid #ddd; border-radius: 6px; padding: .6rem .8rem; background: #fafafa; }
.tile .label { font-size: .8rem; color: #555; } .tile .value { font-size: 1.5rem; }
.tile .detail { font-size: .8rem; color: #555; }
.empty { color: #555; font-style: italic; background: #f6f6f6; padding: .5rem .8rem; }
img { max-width: 100%; }
</style></head><body>
<h1>Support analytics</h1>
<p>Selection: {{ filters }} &middot; generated {{ generated_at }}</p>
<p class="insight">{{ insight }}</p>
<h2>Headline figures</h2>
<div class="tiles">{% for tile in tiles %}<div class="tile">
<div class="label">{{ tile.label }}</div><div class="value">{{ tile.value }}</div>
<div class="detail">{{ tile.detail }}</div></div>{% endfor %}</div>
{% for section in sections %}<h2>{{ section.title }}</h2>
{% if section.note %}<p>{{ section.note }}</p>{% endif %}
{% if section.image %}<img src="{{ section.image }}" alt="{{ section.title }}">
{% elif section.table %}{{ section.table | safe }}
{% else %}<p class="empty">{{ section.empty }}</p>{% endif %}
{% endfor %}
<h2>The notebook's figures</h2>
<p>Computed as the old notebook did: tickets with a missing resolution time are dropped first.</p>
<ul>
<li>Total processed tickets: <b>{{ notebook.total_processed_tickets }}</b></li>
<li>Escalation rate: <b>{{ notebook.escalation_rate_percent }}%</b></li>
<li>Tickets per customer: {{ notebook.tickets_per_customer | length }} customers,
  full list in <a href="tables/tickets_per_customer.csv">tickets_per_customer.csv</a></li>
</ul>
<table><tr><th>category</th><th>average resolution minutes</th><th>escalation rate %</th></tr>
{% for category, minutes in notebook.average_resolution_minutes_by_category.items() %}
<tr><td>{{ category }}</td><td>{{ minutes }}</td>
<td>{{ notebook.escalation_rate_percent_by_category[category] }}</td></tr>
{% endfor %}</table>
{% if drivers %}<h2>Satisfaction model</h2>
<p>Gradient boosting on {{ drivers.training_rows }} rated tickets:
MAE {{ drivers.mean_absolute_error }}
(predicting the mean: {{ drivers.baseline_mean_absolute_error }}), R² {{ drivers.r2 }},
trained {{ drivers.trained_at }}.</p>{% endif %}
<h2>All tables</h2>
<p>Measures keep the marts' names and units: durations in minutes, rates as fractions (0-1);
this page shows rates as percent and durations in hours.</p>
<ul>{% for name in all_tables %}
<li><a href="tables/{{ name }}.csv">{{ name }}.csv</a>
(<a href="tables/{{ name }}.parquet">parquet</a>)</li>
{% endfor %}</ul>
</body></html>
"""

LEADERBOARD_ROWS = 15
ANOMALY_ROWS = 10

PLOT_TITLES = {
    "weekly_trends": "Weekly trends: SLA breaches, backlog age, CSAT",
    "topic_volume": "Ticket topics over time",
    "distributions": "Category and priority distribution",
    "volume": "Volume over time",
    "resolution": "Resolution-time distribution",
    "arrivals": "Arrival heatmap",
    "text_length": "Text length",
    "satisfaction_drivers": "Satisfaction drivers",
}
# Why a plot is missing, in words a reader can act on.
PLOT_EMPTY = {
    "weekly_trends": "No tickets with a creation date in this selection: no weekly trends.",
    "topic_volume": (
        "No topics yet: topics come from `supportlake topics` (embed, cluster), which has not "
        "run on this warehouse, or clustered none of the tickets selected."
    ),
    "satisfaction_drivers": (
        "No satisfaction model yet: run `supportlake analytics --refresh-models` once rated "
        "tickets (satisfaction_score) are in the warehouse."
    ),
    "distributions": "No tickets in this selection.",
    "volume": "No ticket in this selection has a creation date (created_at): no volume over time.",
    "resolution": (
        "No ticket in this selection has a resolution time (resolved_at or "
        "resolution_minutes): no distribution to draw."
    ),
    "arrivals": "No ticket in this selection has a creation time (created_at).",
    "text_length": "No ticket in this selection has a message text.",
}


def hours(minutes: Any) -> str:  # a pandas or Python number, or missing
    return "-" if minutes is None or pd.isna(minutes) else f"{float(minutes) / 60:.1f} h"


def percent(rate: Any) -> str:
    return "-" if rate is None or pd.isna(rate) else f"{float(rate):.1%}"


def kpi_tiles(kpis: pd.Series) -> list[dict[str, str]]:
    """The headline tiles: durations in hours with mean and median, rates as percent."""
    score = kpis["mean_satisfaction_score"]
    return [
        {
            "label": "Tickets",
            "value": f"{int(kpis['ticket_count']):,}",
            "detail": f"{int(kpis['open_ticket_count']):,} open",
        },
        {
            "label": "Resolution time (median)",
            "value": hours(kpis["median_resolution_minutes"]),
            "detail": f"mean {hours(kpis['mean_resolution_minutes'])}",
        },
        {
            "label": "First response (median)",
            "value": hours(kpis["median_first_response_minutes"]),
            "detail": f"mean {hours(kpis['mean_first_response_minutes'])}",
        },
        {
            "label": "Resolution SLA met",
            "value": percent(kpis["resolution_sla_rate"]),
            "detail": f"business hours {percent(kpis['resolution_sla_rate_in_business_hours'])}",
        },
        {
            "label": "First-response SLA met",
            "value": percent(kpis["first_response_sla_rate"]),
            "detail": "",
        },
        {
            "label": "Escalation rate",
            "value": percent(kpis["escalation_rate"]),
            "detail": f"reopen rate {percent(kpis['reopen_rate'])}",
        },
        {
            "label": "CSAT (mean, 1-5)",
            "value": "-" if pd.isna(score) else f"{score:.2f}",
            "detail": f"satisfied (4-5) {percent(kpis['satisfied_rate'])}",
        },
        {
            "label": "Invalid values",
            "value": percent(kpis["invalid_value_rate"]),
            "detail": f"exported more than once {percent(kpis['duplicated_ticket_rate'])}",
        },
    ]


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as a person reads it: rates in percent, minutes in hours, headers in words."""
    shown = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column.endswith(("_rate", "_share")) or "_rate_" in column:
            shown[column.replace("_", " ") + " (%)"] = values.map(percent)
        elif column.endswith("_minutes"):
            name = column.removesuffix("_minutes").replace("_", " ")
            shown[f"{name} (hours)"] = values.map(hours)
        elif column.endswith("_hours"):
            shown[column.replace("_", " ")] = values.map(
                lambda value: "-" if pd.isna(value) else f"{value:.1f}"
            )
        elif column.endswith("_score") or column in {"observed_value", "expected_value"}:
            shown[column.replace("_", " ")] = values.map(
                lambda value: "-" if pd.isna(value) else f"{value:.2f}"
            )
        else:
            shown[column.replace("_", " ")] = values
    return shown


def _html_table(frame: pd.DataFrame) -> str:
    return readable(frame).to_html(index=False, na_rep="-", escape=True)


def build_sections(report: AnalyticsReport, plots: dict[str, str]) -> list[dict[str, object]]:
    """Every section in reading order; an empty one says why it is empty."""
    tables = report.tables

    def plot(name: str, note: str = "") -> dict[str, object]:
        return {
            "title": PLOT_TITLES[name],
            "image": plots.get(name),
            "note": note,
            "empty": PLOT_EMPTY.get(name, "No data in this selection."),
        }

    agents = tables["agent_performance"]
    anomalies = tables.get("anomalies")
    if anomalies is None:
        anomaly_empty = (
            "Anomalies come from the topics flow: run `supportlake topics` to "
            "flag volume spikes, growing topics and sentiment shifts."
        )
    else:
        anomaly_empty = "No volume spike, topic growth or sentiment shift in this period."
    sections: list[dict[str, object]] = [
        plot(
            "weekly_trends",
            "Breaches and CSAT by the week tickets were created; backlog "
            "age over the tickets still open at each week's end. The first and last weeks may be "
            "partial.",
        ),
        {
            "title": "Agent leaderboard",
            "note": f"The busiest agents of the selection (at most {LEADERBOARD_ROWS}), with "
            "the measures of the agents mart; full list in tables/agent_performance.csv.",
            "table": _html_table(agents.head(LEADERBOARD_ROWS)) if not agents.empty else None,
            "empty": "No ticket in this selection has an agent (agent_id is empty in the "
            "export, or its mapping does not name the assignee column).",
        },
        {
            "title": "Anomalies",
            "note": f"The {ANOMALY_ROWS} most recent, strongest first within a day; all in "
            "tables/anomalies.csv.",
            "table": (
                _html_table(anomalies.head(ANOMALY_ROWS))
                if anomalies is not None and not anomalies.empty
                else None
            ),
            "empty": anomaly_empty,
        },
        plot("topic_volume", "Weekly tickets of the largest topic clusters."),
    ]
    sections += [
        plot(name) for name in ("distributions", "volume", "resolution", "arrivals", "text_length")
    ]
    sections.append(plot("satisfaction_drivers"))
    sections += history_sections(tables, _html_table)
    for name in SHOWN_TABLES:
        frame = tables[name]
        sections.append(
            {
                "title": name.replace("_", " ").capitalize(),
                "table": _html_table(frame) if not frame.empty else None,
                "empty": "No tickets in this selection.",
            }
        )
    return sections


def render_html(report: AnalyticsReport, plots: dict[str, Path], output_dir: Path) -> str:
    environment = Environment(autoescape=select_autoescape(default=True))
    relative = {name: path.relative_to(output_dir).as_posix() for name, path in plots.items()}
    return environment.from_string(TEMPLATE).render(
        filters=html.escape(report.filters.describe()),
        generated_at=report.generated_at,
        insight=report.insight,
        tiles=kpi_tiles(report.tables["kpis"].iloc[0]),
        sections=build_sections(report, relative),
        notebook=report.notebook,
        drivers=report.satisfaction_drivers,
        all_tables=list(report.tables),
    )
