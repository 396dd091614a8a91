"""Render the dashboard page and write it (plots first, then the page, atomically)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from jinja2 import Environment, select_autoescape

from supportlake.analytics.plots import PLOTS
from supportlake.analytics.ticket_history import NO_HISTORY
from supportlake.dashboard.charts import draw_monitoring_charts
from supportlake.dashboard.data import DashboardData, read_dashboard_data
from supportlake.dashboard.history_charts import HISTORY_PLOTS, draw_history_charts
from supportlake.settings import Settings

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>supportlake operations</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1240px; color: #222; }
h1 { margin-bottom: .2rem; } h2 { border-bottom: 2px solid #4c72b0; padding-bottom: .2rem; }
.meta { color: #666; } .problems { background: #fff4e5; border-left: 4px solid #f0a030;
  padding: .5rem 1rem; }
.tiles { display: grid; grid-template-columns: repeat(5, 1fr); gap: .8rem; margin: 1rem 0; }
.tile { background: #f4f6fa; border-radius: 6px; padding: .7rem; }
.tile .value { font-size: 1.6rem; font-weight: 600; } .tile .label { color: #555; }
.tile.bad { background: #fbe3e3; } .tile.warn { background: #fff4d6; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
.grid img, .wide img { width: 100%; border: 1px solid #e3e3e3; }
table { border-collapse: collapse; margin: .5rem 0 1.2rem; font-size: .85rem; }
th, td { border: 1px solid #ccc; padding: .2rem .45rem; text-align: right; }
th { background: #f3f3f3; } .insight { background: #eef6ee; padding: .7rem; }
</style></head><body>
<h1>supportlake operations</h1>
<p class="meta">Generated {{ generated_at }} from {{ warehouse }} (read-only).
Predictions reach these charts with the next ingest and build (the API's logs close hourly).</p>
{% if problems %}<div class="problems"><b>Not shown:</b><ul>
{% for problem in problems %}<li>{{ problem }}</li>{% endfor %}</ul></div>{% endif %}

<h2 id="monitoring">Prediction service</h2>
{% if tiles %}<div class="tiles">{% for tile in tiles %}
<div class="tile {{ tile.tone }}"><div class="value">{{ tile.value }}</div>
<div class="label">{{ tile.label }}</div></div>{% endfor %}</div>{% endif %}
{% if charts %}<div class="grid">
{% for name in grid_charts if name in charts %}<img src="{{ charts[name] }}" alt="{{ name }}">
{% endfor %}</div>
{% for name in wide_charts if name in charts %}<div class="wide">
<img src="{{ charts[name] }}" alt="{{ name }}"></div>{% endfor %}
{% else %}<p>No predictions have been logged and built yet.</p>{% endif %}
{% if drift_table %}<h3>Drift on {{ latest_day }}</h3>{{ drift_table | safe }}{% endif %}
{% if requests_table %}<h3>Requests on {{ latest_day }}</h3>{{ requests_table | safe }}{% endif %}
{% if escalations_table %}<h3>Latest escalations</h3>{{ escalations_table | safe }}{% endif %}

<h2 id="analytics">Support analytics</h2>
{% if insight %}<p class="insight">{{ insight }}</p>{% endif %}
{% if kpis_table %}{{ kpis_table | safe }}{% endif %}
{% for name in analytics_charts if name in charts %}<div class="wide">
<img src="{{ charts[name] }}" alt="{{ name }}"></div>{% endfor %}
{% for title, table in analytics_tables %}<h3>{{ title }}</h3>{{ table | safe }}{% endfor %}

<h2 id="ticket-history">Ticket history</h2>
{% if history_tiles %}<div class="tiles">{% for tile in history_tiles %}
<div class="tile"><div class="value">{{ tile.value }}</div>
<div class="label">{{ tile.label }}</div></div>{% endfor %}</div>
<div class="grid">{% for name in history_charts if name in charts %}
<img src="{{ charts[name] }}" alt="{{ name }}">{% endfor %}</div>
{% if leaderboard_table %}<h3>Agent leaderboard</h3>{{ leaderboard_table | safe }}{% endif %}
{% else %}<p>{{ no_history }}</p>{% endif %}
</body></html>
"""

REQUEST_COLUMNS = (
    "endpoint",
    "requests",
    "tickets",
    "served_tickets",
    "rejected_tickets",
    "failed_tickets",
    "error_rate",
    "escalations",
    "latency_p50_ms",
    "latency_p99_ms",
)
GRID_CHARTS = ("priority_volume", "category_volume", "latency", "errors")
WIDE_CHARTS = ("drift", "agreement")
ANALYTICS_CHARTS = ("volume", "distributions", "resolution", "arrivals")
ANALYTICS_TABLES = (
    ("Resolution time by category", "resolution_by_category"),
    ("Escalation rate by category", "escalation_by_category"),
    ("SLA compliance by priority", "sla_by_priority"),
)


@dataclass
class Dashboard:
    page: Path
    charts: dict[str, Path]
    data: DashboardData

    def summary_markdown(self) -> str:
        """A short markdown summary: what a Prefect artifact of the run shows."""
        lines = [f"# supportlake dashboard\n\nPage: `{self.page}`\n"]
        tiles = headline_tiles(self.data)
        for tile in tiles:
            lines.append(f"- **{tile['label']}**: {tile['value']}")
        if not tiles and not self.data.problems:
            lines.append("- no predictions logged and built yet")
        drift = self.data.monitoring.get("drift_daily")
        if drift is not None and not drift.empty:
            latest = drift[drift["prediction_date"] == drift["prediction_date"].max()]
            lines.append("\n| drift feature | PSI | level |\n|---|---|---|")
            for row in latest.itertuples():
                psi = "" if pd.isna(row.psi) else f"{row.psi:.3f}"
                lines.append(f"| {row.drift_feature} | {psi} | {row.drift_level} |")
        for problem in self.data.problems:
            lines.append(f"\n> not shown: {problem}")
        return "\n".join(lines) + "\n"


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def _latest(frame: pd.DataFrame | None) -> pd.DataFrame:
    if frame is None or frame.empty:
        return pd.DataFrame()
    return frame[frame["prediction_date"] == frame["prediction_date"].max()]


def headline_tiles(data: DashboardData) -> list[dict]:
    """The latest day's figures an operator checks first, toned by simple thresholds."""
    requests = _latest(data.monitoring.get("requests_daily"))
    if requests.empty:
        return []
    tickets = int(requests["tickets"].sum())
    served = int(requests["served_tickets"].sum())
    errors = int(requests["failed_tickets"].sum())
    single = requests[requests["endpoint"] == "predict-ticket"]
    p99 = single["latency_p99_ms"].max() if not single.empty else float("nan")
    drift = _latest(data.monitoring.get("drift_daily")).dropna(subset=["psi"])
    worst = drift.sort_values("psi").iloc[-1] if not drift.empty else None
    error_rate = errors / tickets if tickets else 0.0
    return [
        {"label": f"tickets served on {_day(requests['prediction_date'].max())}",
         "value": f"{served:,}", "tone": ""},
        {"label": "p99 latency, single ticket (ms)",
         "value": "-" if pd.isna(p99) else f"{p99:.1f}", "tone": "warn" if p99 > 25 else ""},
        {"label": "error rate (5xx)", "value": f"{100 * error_rate:.2f}%",
         "tone": "bad" if error_rate > 0.01 else ""},
        {"label": "escalations", "value": f"{int(requests['escalations'].sum()):,}", "tone": ""},
        {"label": f"worst drift ({worst['drift_feature']})" if worst is not None else "drift",
         "value": "-" if worst is None else f"{worst['psi']:.2f} {worst['drift_level']}",
         "tone": {"major": "bad", "moderate": "warn"}.get(
             worst["drift_level"] if worst is not None else "", "")},
    ]  # fmt: skip


def history_tiles(data: DashboardData) -> list[dict]:
    """The ticket-history figures of the analytics selection; none without history."""
    kpis = data.analytics.tables.get("history_kpis") if data.analytics else None
    if kpis is None or kpis.empty or int(kpis["ticket_count"].iloc[0]) == 0:
        return []
    row = kpis.iloc[0]

    def share(value) -> str:
        return "-" if pd.isna(value) else f"{100 * value:.1f}%"

    def minutes(value) -> str:
        return "-" if pd.isna(value) else f"{value:,.0f} min"

    return [
        {"label": "tickets with history", "value": f"{int(row['ticket_count']):,}"},
        {"label": "one-touch resolution", "value": share(row["one_touch_rate"])},
        {"label": "median first reply", "value": minutes(row["median_first_reply_minutes"])},
        {"label": "reopened after solve", "value": share(row["reopen_rate"])},
        {"label": "closed by merge", "value": f"{int(row['merged_ticket_count']):,}"},
    ]


def _html_table(frame: pd.DataFrame | None, float_format: str = "{:,.3f}") -> str:
    if frame is None or frame.empty:
        return ""
    return frame.to_html(
        index=False, na_rep="", escape=True, float_format=float_format.format, border=0
    )


def render_page(data: DashboardData, charts: dict[str, Path], folder: Path) -> str:
    environment = Environment(autoescape=select_autoescape(default=True))
    drift = _latest(data.monitoring.get("drift_daily"))
    requests = _latest(data.monitoring.get("requests_daily"))
    analytics = data.analytics
    return environment.from_string(TEMPLATE).render(
        generated_at=data.generated_at.isoformat(timespec="seconds"),
        warehouse=data.warehouse,
        problems=data.problems,
        tiles=headline_tiles(data),
        charts={name: path.relative_to(folder).as_posix() for name, path in charts.items()},
        grid_charts=GRID_CHARTS,
        wide_charts=WIDE_CHARTS,
        analytics_charts=ANALYTICS_CHARTS,
        latest_day=None if drift.empty else _day(drift["prediction_date"].max()),
        drift_table=_html_table(drift.drop(columns=["prediction_date"], errors="ignore")),
        requests_table=_html_table(requests.reindex(columns=list(REQUEST_COLUMNS))),
        escalations_table=_html_table(data.monitoring.get("recent_escalations")),
        insight=analytics.insight if analytics else None,
        kpis_table=_html_table(analytics.tables["kpis"], "{:,.2f}") if analytics else "",
        history_tiles=history_tiles(data),
        history_charts=tuple(HISTORY_PLOTS),
        leaderboard_table=_html_table(analytics.tables.get("agent_leaderboard"), "{:,.2f}")
        if analytics
        else "",
        no_history=NO_HISTORY,
        analytics_tables=[
            (title, _html_table(analytics.tables[name], "{:,.2f}"))
            for title, name in ANALYTICS_TABLES
            if analytics and name in analytics.tables
        ],
    )


def write_dashboard(settings: Settings, output_dir: Path | None = None) -> Dashboard:
    """Read the marts (read-only), draw, and write <reports>/dashboard/index.html."""
    folder = Path(output_dir or settings.reports / "dashboard")
    plots = folder / "plots"
    data = read_dashboard_data(settings)
    charts = draw_monitoring_charts(data.monitoring, plots)
    if data.analytics is not None:
        for name in ANALYTICS_CHARTS:
            path = PLOTS[name](data.analytics, plots / f"analytics_{name}.png")
            if path is not None:
                charts[name] = path
        charts |= draw_history_charts(data.analytics.tables, plots)
    page = folder / "index.html"
    partial = folder / ".index.html.partial"
    partial.write_text(render_page(data, charts, folder), encoding="utf-8")
    os.replace(partial, page)  # a browser or web server never sees half a page
    return Dashboard(page, charts, data)
