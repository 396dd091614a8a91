"""The monitoring charts, drawn from the monitoring marts' frames (never from raw rows)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt
import pandas as pd

PSI_MODERATE, PSI_MAJOR = 0.1, 0.25  # as the drift mart's levels


def save_figure(figure, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def _dates(frame: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(frame["prediction_date"]).dt.strftime("%m-%d")


def plot_class_volume(predictions: pd.DataFrame, task: str, path: Path) -> Path:
    """Served predictions per day, stacked by predicted class."""
    table = predictions[predictions["task"] == task].pivot_table(
        index="prediction_date", columns="predicted_class", values="predictions", fill_value=0
    )
    figure, axis = plt.subplots(figsize=(6, 3.2))
    bottom = None
    labels = pd.to_datetime(table.index).strftime("%m-%d")
    for predicted_class in table.columns:
        axis.bar(labels, table[predicted_class], bottom=bottom, label=str(predicted_class))
        bottom = table[predicted_class] if bottom is None else bottom + table[predicted_class]
    axis.set_title(f"Predictions per day by {task}")
    axis.legend(fontsize=7, ncols=2)
    return save_figure(figure, path)


def plot_latency(requests: pd.DataFrame, path: Path) -> Path:
    """p50 / p95 / p99 server latency per day of single-ticket requests."""
    single = requests[requests["endpoint"] == "predict-ticket"]
    figure, axis = plt.subplots(figsize=(6, 3.2))
    for column, colour in (
        ("latency_p50_ms", "#4c72b0"),
        ("latency_p95_ms", "#dd8452"),
        ("latency_p99_ms", "#c44e52"),
    ):
        axis.plot(_dates(single), single[column], marker="o", color=colour, label=column[8:11])
    axis.set_ylabel("ms")
    axis.set_ylim(bottom=0)
    axis.set_title("Latency of POST /predict-ticket")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def plot_errors(requests: pd.DataFrame, path: Path) -> Path:
    """Failed (5xx) and refused (422) share of tickets per day, all endpoints."""
    daily = requests.groupby("prediction_date", as_index=False)[
        ["tickets", "failed_tickets", "rejected_tickets"]
    ].sum()
    figure, axis = plt.subplots(figsize=(6, 3.2))
    axis.plot(
        _dates(daily), 100 * daily["failed_tickets"] / daily["tickets"], marker="o",
        color="#c44e52", label="errors (5xx)",
    )  # fmt: skip
    axis.plot(
        _dates(daily), 100 * daily["rejected_tickets"] / daily["tickets"], marker="s",
        color="#8172b3", label="refused (422)",
    )  # fmt: skip
    axis.set_ylabel("% of tickets")
    axis.set_ylim(bottom=0)
    axis.set_title("Error and refusal rate")
    axis.legend(fontsize=8)
    return save_figure(figure, path)


def plot_drift(drift: pd.DataFrame, path: Path) -> Path:
    """PSI per feature per day, with the moderate and major bands."""
    figure, axis = plt.subplots(figsize=(12, 3.2))
    for feature, rows in drift.groupby("drift_feature"):
        axis.plot(_dates(rows), rows["psi"], marker="o", label=str(feature))
    axis.axhspan(PSI_MODERATE, PSI_MAJOR, color="#f2d16b", alpha=0.25, label="moderate")
    top = max(PSI_MAJOR * 1.5, float(drift["psi"].max() or 0) * 1.1)
    axis.axhspan(PSI_MAJOR, top, color="#e07b7b", alpha=0.2, label="major")
    axis.set_ylim(0, top)
    axis.set_ylabel("PSI")
    axis.set_title("Input drift against the training tickets (population stability index)")
    axis.legend(fontsize=8, ncols=3)
    return save_figure(figure, path)


def plot_agreement(agreement: pd.DataFrame, path: Path) -> Path:
    """Share of corrected tickets whose prediction already agreed, per task and model."""
    figure, axis = plt.subplots(figsize=(12, 2.8))
    labels = agreement["task"] + "\n" + agreement["model_version"].str[-26:]
    axis.bar(labels, 100 * agreement["agreement_rate"], color="#55a868")
    for index, row in enumerate(agreement.itertuples()):
        axis.annotate(f"{row.agreements}/{row.corrections}", (index, 100 * row.agreement_rate))
    axis.set_ylim(0, 105)
    axis.set_ylabel("% agreeing")
    axis.set_title("Agreement of predictions with agents' corrections")
    axis.tick_params(axis="x", labelsize=7)
    return save_figure(figure, path)


def draw_monitoring_charts(monitoring: dict[str, pd.DataFrame], folder: Path) -> dict[str, Path]:
    """Every chart there is data for, as PNG files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    charts: dict[str, Path] = {}
    predictions = monitoring.get("predictions_daily")
    if predictions is not None and not predictions.empty:
        for task in ("priority", "category"):
            if (predictions["task"] == task).any():
                charts[f"{task}_volume"] = plot_class_volume(
                    predictions, task, folder / f"{task}_volume.png"
                )
    requests = monitoring.get("requests_daily")
    if requests is not None and not requests.empty:
        if (requests["endpoint"] == "predict-ticket").any():
            charts["latency"] = plot_latency(requests, folder / "latency.png")
        charts["errors"] = plot_errors(requests, folder / "errors.png")
    drift = monitoring.get("drift_daily")
    if drift is not None and drift["psi"].notna().any():
        charts["drift"] = plot_drift(drift.dropna(subset=["psi"]), folder / "drift.png")
    agreement = monitoring.get("feedback_agreement")
    if agreement is not None and not agreement.empty:
        charts["agreement"] = plot_agreement(agreement, folder / "agreement.png")
    return charts
