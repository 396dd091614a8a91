"""Scores on held-out tickets: accuracy, macro-F1, per-class table, confusion, calibration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

CALIBRATION_BINS = 10
ROUTING_PRECISION = 0.9  # the precision at which tickets may be routed without a person


@dataclass
class Calibration:
    """Reliability of the top-class confidence, in equal-width bins."""

    expected_calibration_error: float
    bins: pd.DataFrame  # bin_low, bin_high, rows, mean_confidence, accuracy


@dataclass
class Routing:
    """How many tickets clear a confidence threshold whose holdout precision is the target."""

    target_precision: float
    threshold: float | None  # None: no confidence level reaches the target precision
    coverage: float  # share of holdout rows at or above the threshold
    precision: float  # precision of those rows (>= target_precision when threshold is set)

    def to_dict(self) -> dict:
        return {
            "target_precision": self.target_precision,
            "threshold": None if self.threshold is None else round(self.threshold, 6),
            "coverage": round(self.coverage, 4),
            "precision": round(self.precision, 4),
        }


def routing_coverage(
    y_true, probabilities: np.ndarray, classes, target: float = ROUTING_PRECISION
) -> Routing:
    """The lowest confidence threshold at which the routed rows are still `target` precise.

    Rows are taken from the most confident down; a threshold sits only between distinct
    confidences (tied rows are routed together). Coverage is the share of rows routed.
    """
    y_true = np.asarray(y_true, dtype=object)
    confidence = probabilities.max(axis=1)
    correct = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)] == y_true
    order = np.argsort(-confidence, kind="stable")
    confidence, correct = confidence[order], correct[order]
    precision = np.cumsum(correct) / np.arange(1, len(correct) + 1)
    group_end = np.append(confidence[1:] != confidence[:-1], True)
    eligible = np.flatnonzero(group_end & (precision >= target))
    if not len(eligible):
        return Routing(target, None, 0.0, float("nan"))
    last = int(eligible[-1])
    return Routing(
        target, float(confidence[last]), (last + 1) / len(y_true), float(precision[last])
    )


@dataclass
class Evaluation:
    name: str  # which model: majority_class, naive_bayes, linear_svm, zero_shot, ...
    accuracy: float
    macro_f1: float
    rows: int
    labels: list[str] = field(default_factory=list)
    per_class: pd.DataFrame | None = None  # label, precision, recall, f1, support
    confusion: np.ndarray | None = None  # rows: true label, columns: predicted label
    calibration: Calibration | None = None
    routing: Routing | None = None

    def headline(self) -> dict[str, float]:
        scores = {"accuracy": round(self.accuracy, 4), "macro_f1": round(self.macro_f1, 4)}
        if self.calibration is not None:
            scores["ece"] = round(self.calibration.expected_calibration_error, 4)
        if self.routing is not None:
            scores["routing_coverage"] = round(self.routing.coverage, 4)
            scores["routing_threshold"] = self.routing.to_dict()["threshold"]
        return scores


def evaluate_predictions(
    name: str,
    y_true,
    y_pred,
    *,
    labels: list[str] | None = None,
    probabilities: np.ndarray | None = None,
    classes: list[str] | None = None,
) -> Evaluation:
    """Score predictions; with class probabilities also the calibration of the confidence."""
    y_true = np.asarray(y_true, dtype=object)
    y_pred = np.asarray(y_pred, dtype=object)
    labels = labels or sorted(set(y_true) | set(y_pred))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    per_class = pd.DataFrame(
        {"label": labels, "precision": precision, "recall": recall, "f1": f1, "support": support}
    )
    calibration = routing = None
    if probabilities is not None and classes is not None:
        calibration = calibration_table(y_true, probabilities, classes)
        routing = routing_coverage(y_true, probabilities, classes)
    return Evaluation(
        name=name,
        accuracy=float(accuracy_score(y_true, y_pred)),
        # Macro-F1 over the labels present in the truth: a class never seen cannot be scored.
        macro_f1=float(
            f1_score(y_true, y_pred, labels=sorted(set(y_true)), average="macro", zero_division=0)
        ),
        rows=len(y_true),
        labels=list(labels),
        per_class=per_class,
        confusion=confusion_matrix(y_true, y_pred, labels=labels),
        calibration=calibration,
        routing=routing,
    )


def calibration_table(
    y_true, probabilities: np.ndarray, classes, bins: int = CALIBRATION_BINS
) -> Calibration:
    """Expected calibration error: |accuracy - confidence| averaged over bins, weighted by rows."""
    y_true = np.asarray(y_true, dtype=object)
    classes = np.asarray(classes, dtype=object)
    confidence = probabilities.max(axis=1)
    correct = classes[probabilities.argmax(axis=1)] == y_true
    edges = np.linspace(0.0, 1.0, bins + 1)
    # Right-closed bins so that a confidence of exactly 1.0 lands in the last one.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, bins - 1)
    records, error = [], 0.0
    for bin_number in range(bins):
        mask = index == bin_number
        rows = int(mask.sum())
        mean_confidence = float(confidence[mask].mean()) if rows else float("nan")
        accuracy = float(correct[mask].mean()) if rows else float("nan")
        if rows:
            error += rows / len(y_true) * abs(accuracy - mean_confidence)
        records.append(
            {
                "bin_low": edges[bin_number],
                "bin_high": edges[bin_number + 1],
                "rows": rows,
                "mean_confidence": mean_confidence,
                "accuracy": accuracy,
            }
        )
    return Calibration(expected_calibration_error=float(error), bins=pd.DataFrame(records))


def plot_confusion_matrix(evaluation: Evaluation, path) -> None:
    """Row-normalized confusion matrix with counts, saved as PNG."""
    matrix = cast(np.ndarray, evaluation.confusion)  # evaluate_predictions always sets it
    labels = evaluation.labels
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros_like(matrix, dtype=float), where=totals > 0)
    size = max(5.0, 0.7 * len(labels) + 2)
    figure, axes = plt.subplots(figsize=(size + 1, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    axes.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("recorded")
    axes.set_title(f"{evaluation.name}: macro-F1 {evaluation.macro_f1:.3f}")
    for row in range(len(labels)):
        for column in range(len(labels)):
            color = "white" if shares[row, column] > 0.5 else "black"
            axes.text(column, row, str(matrix[row, column]), ha="center", va="center", color=color)
    figure.colorbar(image, ax=axes, fraction=0.046, label="share of recorded label")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def plot_reliability(evaluations: list[Evaluation], path) -> None:
    """Reliability diagram: accuracy against confidence per bin, one line per model."""
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    for evaluation in evaluations:
        if evaluation.calibration is None:
            continue
        bins = evaluation.calibration.bins
        bins = bins[bins["rows"] > 0]
        ece = evaluation.calibration.expected_calibration_error
        axes.plot(
            bins["mean_confidence"],
            bins["accuracy"],
            marker="o",
            label=f"{evaluation.name} (ECE {ece:.3f})",
        )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel("confidence of the predicted class")
    axes.set_ylabel("share correct")
    axes.set_title("Reliability on the holdout")
    axes.legend(loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
