"""The analytics report's files: report.json, tables/<name>.csv|.parquet, plots/*.png and
report.html, from a computed report (supportlake/analytics/report.py)."""

from __future__ import annotations

import json
from pathlib import Path

from supportlake.analytics.html import render_html
from supportlake.analytics.plots import draw_plots
from supportlake.analytics.report import AnalyticsReport


def write_report(report: AnalyticsReport, output_dir: Path) -> dict[str, Path]:
    """Write report.json, tables/<name>.csv|.parquet, plots/*.png and report.html."""
    tables_dir = output_dir / "tables"
    tables_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in report.tables.items():
        frame.to_csv(tables_dir / f"{name}.csv", index=False)
        frame.to_parquet(tables_dir / f"{name}.parquet", index=False)
    plots = draw_plots(report, output_dir / "plots")
    files = {
        "json": output_dir / "report.json",
        "html": output_dir / "report.html",
        "tables": tables_dir,
    }
    files["json"].write_text(json.dumps(report.to_dict(), indent=2, default=str))
    files["html"].write_text(render_html(report, plots, output_dir))
    report.files = files
    return files
