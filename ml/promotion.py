"""Champion and challenger: a retrained model replaces the current one only if it wins.

The challenger is trained on the labelled tickets minus a fresh stratified holdout (human
corrections applied to both); champion and challenger are scored on that same holdout, and
the challenger becomes `current` only with a higher macro-F1. Either way it is saved in the
registry, and the decision is one row of ml.model_promotions.

The champion may have been trained on some of the holdout's tickets, which can only flatter
it: a challenger that wins anyway wins clearly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
from sklearn.model_selection import train_test_split

from ml import registry
from ml.datasets import LABEL, LabelledData
from ml.schema import ensure_ml_schema
from ml.training import (
    ProgressCallback,
    TrainingOptions,
    TrainingOutcome,
    _evaluate_pipeline,
    fit_task,
)

PROMOTIONS_DDL = """
create table if not exists ml.model_promotions (
    decided_at timestamp not null,      -- UTC
    task varchar not null,
    champion_version varchar,           -- the current model before the decision (null: none)
    challenger_version varchar not null,
    holdout_rows bigint not null,       -- the fresh holdout both were scored on
    champion_macro_f1 double,
    challenger_macro_f1 double not null,
    promoted boolean not null,
    reason varchar not null
)
"""


@dataclass
class PromotionDecision:
    task: str
    champion: str | None
    challenger: str
    holdout_rows: int
    champion_macro_f1: float | None
    challenger_macro_f1: float
    promoted: bool
    reason: str

    def summary(self) -> str:
        verb = "promoted" if self.promoted else "refused"
        return f"challenger {self.challenger} {verb}: {self.reason}"


def split_fresh_holdout(
    data: LabelledData, share: float = 0.2, seed: int = 0
) -> tuple[LabelledData, LabelledData]:
    """(training part, holdout part) of `data`, stratified; single-row labels stay in training."""
    frame = data.frame
    counts = frame[LABEL].value_counts()
    single = frame[LABEL].isin(counts[counts < 2].index)
    train, holdout = train_test_split(
        frame[~single], test_size=share, stratify=frame.loc[~single, LABEL], random_state=seed
    )
    train = pd.concat([train, frame[single]]).reset_index(drop=True)
    source = f"fresh {share:.0%} holdout of {data.source}"

    def part(rows: pd.DataFrame, name: str) -> LabelledData:
        return LabelledData(
            rows.reset_index(drop=True),
            name,
            data.spec,
            rows_read=len(rows),
            corrections_used=data.corrections_used,
            notes=list(data.notes),
        )

    return part(train, data.source), part(holdout, source)


def record_decision(connection: duckdb.DuckDBPyConnection, decision: PromotionDecision) -> None:
    ensure_ml_schema(connection)
    connection.execute(PROMOTIONS_DDL)
    connection.execute(
        "insert into ml.model_promotions values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            datetime.now(UTC).replace(tzinfo=None),
            decision.task,
            decision.champion,
            decision.challenger,
            decision.holdout_rows,
            decision.champion_macro_f1,
            decision.challenger_macro_f1,
            decision.promoted,
            decision.reason,
        ],
    )


@dataclass
class Contest:
    """A trained challenger and how it did against the champion, before it is registered."""

    outcome: TrainingOutcome
    champion: str | None
    champion_macro_f1: float | None
    promoted: bool
    reason: str

    def decision(self, challenger: str) -> PromotionDecision:
        """The decision once the challenger is saved as version `challenger`."""
        return PromotionDecision(
            self.outcome.task,
            self.champion,
            challenger,
            self.outcome.holdout_rows,
            self.champion_macro_f1,
            self.outcome.chosen.macro_f1,
            self.promoted,
            self.reason,
        )


def challenge(
    models_dir: Path,
    options: TrainingOptions,
    data: LabelledData,
    *,
    holdout: LabelledData | None = None,
    progress: ProgressCallback | None = None,
) -> Contest:
    """Train a challenger for options.task and score it and the champion (the current model
    under models_dir) on one holdout: it is to be promoted only if its macro-F1 is higher.
    Nothing is written; the caller registers it and records the decision."""
    task = options.task
    if holdout is None:
        data, holdout = split_fresh_holdout(data, options.holdout_share, options.seed)
    outcome = fit_task(data, options, holdout, progress=progress)
    challenger_f1 = outcome.chosen.macro_f1
    champion = registry.current_version(models_dir, task)
    champion_f1 = None
    if champion is None:
        promoted, reason = True, f"no champion; holdout macro-F1 {challenger_f1:.3f}"
    else:
        pipeline = registry.load_model(models_dir, task, champion).load_pipeline()
        champion_f1 = _evaluate_pipeline(
            "champion", pipeline, outcome.holdout_frame, outcome.labels
        ).macro_f1
        promoted = challenger_f1 > champion_f1
        comparison = (
            f"holdout macro-F1 {challenger_f1:.3f} vs champion {champion} {champion_f1:.3f} "
            f"on the same {outcome.holdout_rows:,} tickets"
        )
        reason = comparison if promoted else f"{comparison}; the champion stays current"
    outcome.notes.append(f"champion/challenger: {reason}")
    return Contest(outcome, champion, champion_f1, promoted, reason)
