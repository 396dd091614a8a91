"""The report's plots, drawn from the report's own tables (never from raw rows)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import cast

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt
import numpy as np

from supportlake.analytics.report import AnalyticsReport

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _save(figure: plt.Figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def plot_distributions(report: AnalyticsReport, path: Path) -> Path | None:
    categories = report.tables["category_distribution"]
    if categories.empty:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.barh(categories["category"], categories["ticket_count"], color="#4c72b0")
    left.invert_yaxis()
    left.set_title("Tickets by category")
    priorities = report.tables["priority_distribution"]
    right.bar(priorities["priority"], priorities["ticket_count"], color="#dd8452")
    right.set_title("Tickets by priority")
    return _save(figure, path)


def plot_volume(report: AnalyticsReport, path: Path) -> Path | None:
    volume = report.tables["daily_volume"]
    if volume.empty:
        return None
    figure, axis = plt.subplots(figsize=(11, 3.5))
    axis.plot(volume["created_date"], volume["ticket_count"], color="#4c72b0", linewidth=1)
    if len(volume) >= 7:
        axis.plot(
            volume["created_date"],
            volume["ticket_count"].rolling(7, min_periods=1).mean(),
            color="#c44e52",
            label="7-day mean",
        )
        axis.legend()
    axis.set_title("Tickets per day")
    return _save(figure, path)


def plot_resolution(report: AnalyticsReport, path: Path) -> Path | None:
    histogram = report.tables["resolution_hours_histogram"]
    if histogram.empty:
        return None
    figure, axis = plt.subplots(figsize=(11, 3.5))
    axis.bar(
        histogram["resolution_hours_bucket"], histogram["ticket_count"], width=1.0, color="#55a868"
    )
    axis.set_xlabel("resolution time (hours; last bar = 96 h or more)")
    axis.set_ylabel("tickets")
    axis.set_title("Resolution-time distribution")
    return _save(figure, path)


def plot_arrivals(report: AnalyticsReport, path: Path) -> Path | None:
    arrivals = report.tables["arrival_heatmap"]
    if arrivals.empty:
        return None
    matrix = np.zeros((7, 24))
    for row in arrivals.itertuples():
        matrix[int(row.iso_weekday) - 1, int(row.hour_of_day)] = row.ticket_count
    figure, axis = plt.subplots(figsize=(11, 3.5))
    image = axis.imshow(matrix, aspect="auto", cmap="viridis")
    axis.set_yticks(range(7), WEEKDAYS)
    axis.set_xticks(range(0, 24, 2))
    axis.set_xlabel("hour of day (UTC)")
    axis.set_title("Arrivals by weekday and hour")
    figure.colorbar(image, ax=axis, label="tickets")
    return _save(figure, path)


def plot_text_length(report: AnalyticsReport, path: Path) -> Path | None:
    lengths = report.tables["message_length_histogram"]
    if lengths.empty:
        return None
    figure, axis = plt.subplots(figsize=(11, 3.5))
    axis.bar(lengths["message_words_bucket"], lengths["ticket_count"], width=9, color="#8172b3")
    axis.set_xlabel("message length (words, buckets of 10; last = 200 or more)")
    axis.set_title("Message length")
    return _save(figure, path)


def plot_drivers(report: AnalyticsReport, path: Path) -> Path | None:
    if not report.satisfaction_drivers:
        return None
    importances = cast(dict[str, float], report.satisfaction_drivers["importances"])
    figure, axis = plt.subplots(figsize=(8, 3.5))
    axis.barh(list(importances), list(importances.values()), color="#937860")
    axis.invert_yaxis()
    axis.set_xlabel("drop in R² when the feature is shuffled")
    axis.set_title("What drives satisfaction (CSAT)")
    return _save(figure, path)


def plot_weekly_trends(report: AnalyticsReport, path: Path) -> Path | None:
    """Three panels a support manager reads week by week: SLA breaches, backlog age, CSAT."""
    trends, backlog = report.tables["weekly_trends"], report.tables["weekly_backlog"]
    if trends.empty:
        return None
    figure, (breaches, age, csat) = plt.subplots(3, 1, figsize=(11, 8), sharex=True)
    breaches.bar(
        trends["week_start"], trends["resolution_sla_breach_count"], width=5, color="#c44e52"
    )
    breaches.set_ylabel("tickets")
    breaches.set_title("Resolution-SLA breaches per week (by week created)")
    age.plot(
        backlog["week_start"],
        backlog["median_backlog_age_hours"],
        marker="o",
        color="#dd8452",
        label="median",
    )
    age.plot(
        backlog["week_start"],
        backlog["mean_backlog_age_hours"],
        linestyle="--",
        color="#8c8c8c",
        label="mean",
    )
    age.set_ylabel("hours")
    age.set_title("Age of the open backlog at each week's end")
    age.legend()
    csat.plot(trends["week_start"], trends["mean_satisfaction_score"], marker="o", color="#4c72b0")
    csat.set_ylabel("mean CSAT (1-5)")
    csat.set_title("Customer satisfaction per week")
    return _save(figure, path)


def plot_topic_volume(report: AnalyticsReport, path: Path, top: int = 8) -> Path | None:
    """Weekly tickets of the largest topics: which subjects grow, which fade."""
    volume = report.tables.get("weekly_topic_volume")
    if volume is None or volume.empty:
        return None
    totals = volume.groupby("cluster_label")["ticket_count"].sum().nlargest(top)
    table = volume[volume["cluster_label"].isin(totals.index)].pivot_table(
        index="week_start", columns="cluster_label", values="ticket_count", aggfunc="sum"
    )
    figure, axis = plt.subplots(figsize=(11, 4.5))
    for label in totals.index:
        axis.plot(table.index, table[label].fillna(0), marker=".", label=label)
    axis.set_ylabel("tickets per week")
    axis.set_title(f"Ticket topics over time (the {len(totals)} largest)")
    axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _save(figure, path)


PLOTS: dict[str, Callable[[AnalyticsReport, Path], Path | None]] = {
    "weekly_trends": plot_weekly_trends,
    "topic_volume": plot_topic_volume,
    "distributions": plot_distributions,
    "volume": plot_volume,
    "resolution": plot_resolution,
    "arrivals": plot_arrivals,
    "text_length": plot_text_length,
    "satisfaction_drivers": plot_drivers,
}


def draw_plots(report: AnalyticsReport, folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    drawn = {name: draw(report, folder / f"{name}.png") for name, draw in PLOTS.items()}
    for name, path in drawn.items():
        if path is None:  # nothing to draw: no stale plot of an earlier report stays behind
            (folder / f"{name}.png").unlink(missing_ok=True)
    return {name: path for name, path in drawn.items() if path is not None}
