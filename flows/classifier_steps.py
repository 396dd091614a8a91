"""The classifier jobs on the warehouse: load training data, train, challenge, score.

ml/ trains, compares and scores on connections it is handed; these steps open the warehouse
(supportlake.warehouse, one writer) around the part that needs it, for as short as before, and
close it before the next step. The train-score flow (flows/train_score.py) and the `train` and
`score` commands both run them. Nothing here imports Prefect, so a command never pays for it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ml.datasets import WAREHOUSE_SOURCE, LabelledData, TextSpec, load_labelled_file
from ml.promotion import PromotionDecision, challenge, record_decision
from ml.scoring import DEFAULT_BATCH_SIZE, ScoreSummary, load_scorers, score_tickets
from ml.training import (
    DEFAULT_MAX_ROWS,
    ProgressCallback,
    TrainingOptions,
    TrainingOutcome,
    TrainingRun,
    corrected_training_data,
    fit_task,
    publish_run,
    record_run,
    save_run,
    warehouse_training_data,
)
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


def load_training_data(
    settings: Settings,
    task: str,
    *,
    data_path: str | Path | None = None,
    spec: TextSpec | None = None,
    corrections_from: Settings | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> LabelledData:
    """Labelled rows for `task` from a file or marts.tickets, human corrections applied:
    those of the warehouse trained from, or for a file those of `corrections_from` (the
    settings of the warehouse its corrections file was loaded into). Each warehouse is open
    read-only for the read only."""
    spec = spec or TextSpec(label_column=task)
    if data_path is None:
        with open_warehouse(settings, read_only=True) as connection:
            return warehouse_training_data(connection, task, spec, max_rows=max_rows)
    data = load_labelled_file(data_path, spec)
    if corrections_from is None:
        return corrected_training_data(data, task, None)
    with open_warehouse(corrections_from, read_only=True) as connection:
        return corrected_training_data(data, task, connection)


def register(
    outcome: TrainingOutcome,
    settings: Settings,
    *,
    command: str | None = None,
    scope: str = "warehouse",
    promote: bool = True,
) -> TrainingRun:
    """Save the model and its report, add the ml.model_runs row (the warehouse is open for
    that row only), then move the `current` pointer (promote: False keeps the current model)."""
    run = save_run(outcome, settings.models_dir, settings.reports, command=command, scope=scope)
    with open_warehouse(settings) as connection:
        record_run(connection, run)
    publish_run(run, settings, promote=promote)
    return run


def train_task(
    settings: Settings,
    options: TrainingOptions,
    data: LabelledData,
    holdout: LabelledData | None = None,
    *,
    command: str | None = None,
    progress: ProgressCallback | None = None,
) -> TrainingRun:
    """Train options.task on `data` and register the model as current: what `supportlake
    train` and the train-score flow run for a task without a champion."""
    outcome = fit_task(data, options, holdout, progress=progress)
    scope = "warehouse" if data.source == WAREHOUSE_SOURCE else "file"
    return register(outcome, settings, command=command, scope=scope)


def challenge_champion(
    settings: Settings,
    options: TrainingOptions,
    data: LabelledData,
    *,
    holdout: LabelledData | None = None,
    command: str | None = None,
    progress: ProgressCallback | None = None,
) -> PromotionDecision:
    """Train a challenger, register it (current only if it beat the champion on the same
    holdout: ml.promotion) and record the decision in ml.model_promotions."""
    contest = challenge(settings.models_dir, options, data, holdout=holdout, progress=progress)
    run = register(
        contest.outcome, settings, command=command, scope="warehouse", promote=contest.promoted
    )
    decision = contest.decision(run.version)
    with open_warehouse(settings) as connection:
        record_decision(connection, decision)
    return decision


def score_warehouse(
    settings: Settings,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    rescore_all: bool = False,
    zero_shot_category: bool = True,
    embedding_backend: str = "torch",
    scorers: dict | None = None,
    on_start: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ScoreSummary:
    """Score marts.tickets into ml.ticket_predictions with the current models (loaded before
    the warehouse is opened for writing); its seconds count the loading too."""
    started = time.perf_counter()
    scorers = scorers or load_scorers(
        settings.models_dir,
        zero_shot_category=zero_shot_category,
        embedding_backend=embedding_backend,
    )
    with open_warehouse(settings) as connection:
        summary = score_tickets(
            connection,
            scorers,
            batch_size=batch_size,
            rescore_all=rescore_all,
            on_start=on_start,
            on_batch=on_batch,
        )
    return replace(summary, seconds=time.perf_counter() - started)
