"""The report's readable page: one self-explaining HTML file next to its plots and tables."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import Environment, select_autoescape

if TYPE_CHECKING:
    from supportlake.analytics.report import AnalyticsReport

TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Support analytics</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: right; }
th { background: #f3f3f3; } .insight { font-size: 1.15rem; background: #eef6ee; padding: .8rem; }
img { max-width: 100%; }
</style></head><body>
<h1>Support analytics</h1>
<p>Selection: {{ filters }} &middot; generated {{ generated_at }}</p>
<p class="insight">{{ insight }}</p>
<h2>Headline figures</h2>{{ tables["kpis"] | safe }}
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
{% for name, path in plots.items() %}<h2>{{ plot_titles[name] }}</h2>
<img src="{{ path }}" alt="{{ plot_titles[name] }}">{% endfor %}
{% for name in shown if name != "kpis" %}<h2>{{ name | replace("_", " ") | capitalize }}</h2>
{{ tables[name] | safe }}{% endfor %}
{% if drivers %}<h2>Satisfaction model</h2>
<p>Gradient boosting on {{ drivers.training_rows }} rated tickets:
MAE {{ drivers.mean_absolute_error }}
(predicting the mean: {{ drivers.baseline_mean_absolute_error }}), R² {{ drivers.r2 }},
trained {{ drivers.trained_at }}.</p>{% endif %}
<h2>All tables</h2><ul>{% for name in all_tables %}
<li><a href="tables/{{ name }}.csv">{{ name }}.csv</a>
(<a href="tables/{{ name }}.parquet">parquet</a>)</li>
{% endfor %}</ul>
</body></html>
"""

PLOT_TITLES = {
    "distributions": "Category and priority distribution",
    "volume": "Volume over time",
    "resolution": "Resolution-time distribution",
    "arrivals": "Arrival heatmap",
    "text_length": "Text length",
    "satisfaction_drivers": "Satisfaction drivers",
}


def render_html(report: AnalyticsReport, plots: dict[str, Path], output_dir: Path) -> str:
    from supportlake.analytics.report import SHOWN_TABLES

    environment = Environment(autoescape=select_autoescape(default=True))
    tables = {
        name: report.tables[name].to_html(index=False, na_rep="", escape=True)
        for name in SHOWN_TABLES
    }
    return environment.from_string(TEMPLATE).render(
        filters=html.escape(report.filters.describe()),
        generated_at=report.generated_at,
        insight=report.insight,
        tables=tables,
        notebook=report.notebook,
        plots={name: path.relative_to(output_dir).as_posix() for name, path in plots.items()},
        plot_titles=PLOT_TITLES,
        shown=SHOWN_TABLES,
        drivers=report.satisfaction_drivers,
        all_tables=list(report.tables),
    )
