"""The ticket-history charts, drawn from the analytics report's history tables
(supportlake/analytics/ticket_history.py): SLA breaches over time, backlog by age and the
reply-time distribution."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from supportlake.dashboard.charts import plt, save_figure


def plot_sla_breaches(weekly: pd.DataFrame, path: Path) -> Path:
    """Breached share of the SLA clocks started each week, one line per SLA metric."""
    figure, axis = plt.subplots(figsize=(6, 3.2))
    for metric, rows in weekly.groupby("metric"):
        weeks = pd.to_datetime(rows["week_start"]).dt.strftime("%y-%m-%d")
        axis.plot(weeks, 100 * rows["breach_rate"], marker="o", label=str(metric))
    axis.set_ylabel("% breached")
    axis.set_ylim(0, 105)
    axis.set_title("SLA breaches by week the clock started")
    axis.tick_params(axis="x", labelrotation=45, labelsize=7)
    axis.legend(fontsize=7, ncols=2)
    return save_figure(figure, path)


def plot_backlog_by_age(backlog: pd.DataFrame, path: Path) -> Path:
    """Unsolved tickets on the last snapshot day, by age bucket."""
    figure, axis = plt.subplots(figsize=(6, 3.2))
    axis.bar(backlog["age_bucket"], backlog["open_ticket_count"], color="#4c72b0")
    day = pd.Timestamp(backlog["snapshot_date"].max()).date()
    axis.set_title(f"Backlog by age at the end of {day}")
    axis.set_ylabel("unsolved tickets")
    return save_figure(figure, path)


def plot_reply_times(distribution: pd.DataFrame, path: Path) -> Path:
    """Share of first and next replies per waiting-time band."""
    table = distribution.pivot_table(
        index="reply_time", columns="reply", values="reply_share", fill_value=0
    )
    figure, axis = plt.subplots(figsize=(6, 3.2))
    bands = [label.split(": ", 1)[-1] for label in table.index]
    width = 0.8 / max(len(table.columns), 1)
    for offset, reply in enumerate(table.columns):
        positions = [index + offset * width for index in range(len(bands))]
        axis.bar(positions, 100 * table[reply], width=width, label=str(reply))
    axis.set_xticks([index + 0.4 - width / 2 for index in range(len(bands))], bands, fontsize=8)
    axis.set_ylabel("% of replies")
    axis.set_title("Reply-time distribution")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


HISTORY_PLOTS = {
    "sla_breaches": ("weekly_sla_breaches", plot_sla_breaches),
    "backlog_by_age": ("backlog_by_age", plot_backlog_by_age),
    "reply_times": ("reply_time_distribution", plot_reply_times),
}


def draw_history_charts(tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """Every history chart whose table has rows, as PNG files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    charts: dict[str, Path] = {}
    for name, (table, plot) in HISTORY_PLOTS.items():
        frame = tables.get(table)
        if frame is not None and not frame.empty:
            charts[name] = plot(frame, folder / f"history_{name}.png")
    return charts
