"""Scoring: current models -> predictions with confidences and reasons, in bounded batches.

`score_tickets` streams marts.tickets through the category and priority models and writes
ml.ticket_predictions in one transaction (a crash leaves the previous predictions intact).
By default only tickets without a prediction from the current model versions are scored, so a
re-run after nothing changed scores nothing; `rescore_all` replaces every row.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml import registry
from ml.datasets import require_marts_tickets
from ml.features import CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN
from ml.inference import (
    REASON_COUNT,
    TASKS,
    TaskPrediction,
    compile_task_model,
    is_routable,
    prepare_frame,
    routing_threshold,
)
from ml.schema import ensure_ml_schema
from supportlake.warehouse import transaction

SCORING_TASKS = TASKS  # one task order for the API, `predict` and `score`
DEFAULT_BATCH_SIZE = 20_000
__all__ = ["REASON_COUNT", "SCORING_TASKS", "is_routable", "routing_threshold", "score_tickets"]

PREDICTION_COLUMNS = (
    "ticket_id",
    "predicted_category",
    "category_confidence",
    "category_reasons",
    "category_model_version",
    "predicted_priority",
    "priority_confidence",
    "priority_reasons",
    "priority_model_version",
    "scored_at",
)


class PipelineScorer:
    """A registered pipeline on ml.inference's path (the API's): label, calibrated
    confidence and top reasons per row."""

    def __init__(self, task: str, version: str, pipeline, metadata: dict | None = None) -> None:
        self.task = task
        self.version = version
        self.model = compile_task_model(task, version, pipeline, metadata)
        self.routing_threshold = self.model.routing_threshold

    def routable(self, predictions: pd.DataFrame) -> pd.Series:
        """`<task>_routable` for prediction columns this scorer made."""
        confidence = predictions[f"{self.task}_confidence"]
        return pd.Series(is_routable(confidence, self.routing_threshold), index=predictions.index)

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        predictions = self.model.predict(prepare_frame(frame))
        return task_columns(self.task, predictions)


def task_columns(task: str, predictions: list[TaskPrediction]) -> pd.DataFrame:
    """One task's prediction columns; reasons as `refund, charged, meta:channel_email`."""
    return pd.DataFrame(
        {
            f"predicted_{task}": pd.Series([p.label for p in predictions], dtype=object),
            f"{task}_confidence": np.asarray([p.confidence for p in predictions], dtype=float),
            f"{task}_reasons": pd.Series(
                [", ".join(r.feature for r in p.reasons) for p in predictions], dtype=object
            ),
            f"{task}_model_version": pd.Series(
                [p.model_version for p in predictions], dtype=object
            ),
        }
    )


class ZeroShotScorer:
    """Categories by description similarity, for warehouses with no trained category model."""

    def __init__(self, task: str, classifier) -> None:
        self.task = task
        self.classifier = classifier
        self.version = classifier.version

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        probabilities = self.classifier.predict_proba_tickets(frame)
        predicted = self.classifier.classes_[probabilities.argmax(axis=1)]
        reasons = self.classifier.reasons(probabilities)
        return _task_columns(self.task, predicted, probabilities.max(axis=1), reasons, self.version)


def _task_columns(task, predicted, confidence, reasons, version) -> pd.DataFrame:
    return pd.DataFrame(
        {
            f"predicted_{task}": pd.Series(predicted, dtype=object),
            f"{task}_confidence": np.round(confidence.astype(float), 6),
            f"{task}_reasons": pd.Series(reasons, dtype=object),
            f"{task}_model_version": version,
        }
    )


def load_scorers(
    models_dir: Path,
    tasks: tuple[str, ...] = SCORING_TASKS,
    *,
    zero_shot_category: bool = True,
    embedding_backend: str = "torch",
) -> dict[str, PipelineScorer | ZeroShotScorer]:
    """The current model of each task; category falls back to zero-shot when none exists."""
    scorers: dict[str, PipelineScorer | ZeroShotScorer] = {}
    for task in tasks:
        if registry.current_version(models_dir, task) is not None:
            model = registry.load_model(models_dir, task)
            scorers[task] = PipelineScorer(
                task, model.version, model.load_pipeline(), model.metadata
            )
        elif task == "category" and zero_shot_category:
            from ml.zero_shot import ZeroShotClassifier, load_taxonomy

            classifier = ZeroShotClassifier(load_taxonomy(), backend=embedding_backend)
            scorers[task] = ZeroShotScorer(task, classifier)
    if not scorers:
        raise FileNotFoundError(
            f"no current model for {', '.join(tasks)} under {models_dir}: "
            "run `supportlake train` first"
        )
    return scorers


def predict_frame(scorers: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Prediction columns for each scorer's task, row-aligned with `frame`."""
    frame = frame.reset_index(drop=True)
    parts = [scorer.predict(frame) for scorer in scorers.values()]
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def predict_in_batches(
    scorers: dict,
    frame: pd.DataFrame,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """predict_frame over slices of `frame`: the feature matrices stay batch-sized."""
    parts = []
    for start in range(0, len(frame), batch_size):
        batch = frame.iloc[start : start + batch_size]
        parts.append(predict_frame(scorers, batch))
        if on_batch:
            on_batch(len(batch))
    if not parts:
        return predict_frame(scorers, frame)
    return pd.concat(parts, ignore_index=True)


@dataclass
class ScoreSummary:
    rows_scored: int
    rows_in_mart: int
    batches: int
    versions: dict[str, str]
    seconds: float
    rescored_all: bool
    table: str = "ml.ticket_predictions"
    removed_stale: int = 0
    notes: list[str] = field(default_factory=list)


def _selection(rescore_all: bool, versions: dict[str, str | None]) -> tuple[str, list]:
    """Tickets to score: all, or those lacking a prediction from exactly these versions."""
    if rescore_all:
        return "", []
    return (
        """
        where not exists (
            select 1 from ml.ticket_predictions as predictions
            where predictions.ticket_id = tickets.ticket_id
              and predictions.category_model_version is not distinct from ?
              and predictions.priority_model_version is not distinct from ?
        )
        """,
        [versions.get("category"), versions.get("priority")],
    )


def score_tickets(
    connection: duckdb.DuckDBPyConnection,
    scorers: dict[str, PipelineScorer | ZeroShotScorer],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rescore_all: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score marts.tickets into ml.ticket_predictions on the warehouse `connection` is open
    on (for writing), `batch_size` tickets at a time, with `scorers` (load_scorers)."""
    started = time.perf_counter()
    versions = {task: scorers[task].version if task in scorers else None for task in SCORING_TASKS}
    where, parameters = _selection(rescore_all, versions)
    columns = ", ".join(["ticket_id", "subject", "message", *CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN])
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    rows_scored = batches = 0
    require_marts_tickets(connection)
    ensure_ml_schema(connection)
    rows_in_mart = connection.execute("select count(*) from marts.tickets").fetchall()[0][0]
    to_score = connection.execute(
        f"select count(*) from marts.tickets as tickets {where}", parameters
    ).fetchall()[0][0]
    if on_start:
        on_start(to_score)
    # A second connection streams the selection while this one writes; it reads the
    # last committed state, so the rows deleted below are still visible to it.
    reader = connection.cursor()
    try:
        with transaction(connection):
            removed = connection.execute(
                "delete from ml.ticket_predictions where ticket_id not in "
                "(select ticket_id from marts.tickets)"
            ).fetchall()[0][0]
            connection.execute(
                "delete from ml.ticket_predictions where ticket_id in "
                f"(select ticket_id from marts.tickets as tickets {where})",
                parameters,
            )
            stream = reader.sql(
                f"select {columns} from marts.tickets as tickets {where}", params=parameters
            ).to_arrow_reader(batch_size)
            for record_batch in stream:
                frame = record_batch.to_pandas()
                if frame.empty:
                    continue
                predictions = predict_frame(scorers, frame)
                predictions.insert(0, "ticket_id", frame["ticket_id"].astype(object))
                predictions["scored_at"] = scored_at
                connection.register("scored_batch", predictions)
                connection.execute(
                    "insert into ml.ticket_predictions by name select * from scored_batch"
                )
                connection.unregister("scored_batch")
                rows_scored += len(frame)
                batches += 1
                if on_batch:
                    on_batch(len(frame))
    finally:
        reader.close()
    summary = ScoreSummary(
        rows_scored=rows_scored,
        rows_in_mart=rows_in_mart,
        batches=batches,
        versions={task: version for task, version in versions.items() if version},
        seconds=time.perf_counter() - started,
        rescored_all=rescore_all,
        removed_stale=int(removed),
    )
    missing = [task for task in SCORING_TASKS if task not in scorers]
    if missing:
        summary.notes.append(f"no model for {', '.join(missing)}: those columns stay empty")
    return summary
