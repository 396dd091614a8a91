"""Classification flow: train where no model exists (or on request) -> score -> dbt build.

A retrain of a task that has a model trains a challenger and promotes it only when it beats
the champion on the same fresh holdout (ml.promotion); the decision is in the run's steps.

Each step opens the warehouse itself (flows/classifier_steps.py) and closes it before the
next one (one writer). The dbt build selects only what depends on the `ml` source
(predictions and model runs), in the order dbt build -> ml score -> dbt build of what
depends on ml.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from flows.classifier_steps import (
    challenge_champion,
    load_training_data,
    score_warehouse,
    train_task,
)
from flows.runner import run_logger, run_task
from ml import registry
from ml.datasets import DataError
from ml.promotion import PromotionDecision
from ml.scoring import SCORING_TASKS, ScoreSummary
from ml.training import DEFAULT_BUDGET_MINUTES, DEFAULT_MAX_ROWS, TrainingOptions
from supportlake.settings import Settings, get_settings


@dataclass
class TrainScoreResult:
    trained: dict[str, str]  # task -> new current model version
    skipped: dict[str, str]  # task -> why it was not (re)trained or not promoted
    scoring: ScoreSummary
    dbt: str
    steps: dict[str, str] = field(default_factory=dict)  # step -> one-line outcome
    decisions: dict[str, PromotionDecision] = field(default_factory=dict)


@task(cache_policy=NO_CACHE)
def train_classifier(
    settings: Settings,
    task_name: str,
    quick: bool,
    zero_shot: bool | None,
    max_rows: int,
    budget_minutes: float = DEFAULT_BUDGET_MINUTES,
    n_jobs: int = 1,
) -> tuple[str, PromotionDecision | None]:
    """Train one task on marts.tickets with the corrections of marts.ticket_corrections_latest
    applied (both as the last dbt build left them): the first model becomes current; a later
    one is a challenger promoted only if it beats the champion. (version, decision)."""
    data = load_training_data(settings, task_name, max_rows=max_rows)
    options = TrainingOptions(
        task=task_name,
        quick=quick,
        zero_shot=zero_shot,
        max_rows=max_rows,
        budget_minutes=budget_minutes,
        n_jobs=n_jobs,
    )
    if registry.current_version(settings.models_dir, task_name) is None:
        return train_task(settings, options, data).version, None
    decision = challenge_champion(settings, options, data)
    return decision.challenger, decision


@task(cache_policy=NO_CACHE)
def score_marts_tickets(settings: Settings, rescore_all: bool) -> ScoreSummary:
    return score_warehouse(settings, rescore_all=rescore_all)


@task(retries=1, retry_delay_seconds=2, cache_policy=NO_CACHE)
def build_prediction_marts(settings: Settings) -> str:
    from supportlake.transform import WITHOUT_UNIT_TESTS, run_dbt

    return run_dbt(["build", "--select", "source:ml+", *WITHOUT_UNIT_TESTS], settings).summary()


@flow
def train_and_score(
    retrain: bool = False,
    tasks: tuple[str, ...] = SCORING_TASKS,
    rescore_all: bool = False,
    quick: bool = False,
    zero_shot_evaluation: bool | None = None,
    max_training_rows: int = DEFAULT_MAX_ROWS,
    budget_minutes: float = DEFAULT_BUDGET_MINUTES,
    n_jobs: int = 1,
) -> TrainScoreResult:
    """Train missing (or, with retrain, all) models, score new tickets, rebuild ml marts.

    zero_shot_evaluation: also score zero-shot categories on the holdout (None: when the
    labels are the taxonomy's categories). n_jobs: cross-validation folds scored at once
    (the same models and scores; more cores, less wall time).
    """
    settings = get_settings()
    logger = run_logger()
    to_train, skipped = registry.tasks_to_train(settings.models_dir, tasks, retrain=retrain)
    trained: dict[str, str] = {}
    decisions: dict[str, PromotionDecision] = {}
    for task_name in to_train:
        try:
            version, decision = run_task(
                train_classifier,
                settings,
                task_name,
                quick,
                zero_shot_evaluation,
                max_training_rows,
                budget_minutes,
                n_jobs,
            )
            if decision is not None:
                decisions[task_name] = decision
            if decision is None or decision.promoted:
                trained[task_name] = version
            else:
                skipped[task_name] = decision.summary()
        except DataError as error:
            # Too few labels is a state of the data, not a failure: category falls back to
            # zero-shot and priority stays unscored until labels arrive.
            skipped[task_name] = f"not trained: {error}"
            logger.warning("%s: %s", task_name, skipped[task_name])
    scoring = run_task(score_marts_tickets, settings, rescore_all)
    dbt = run_task(build_prediction_marts, settings)
    steps = {f"train {name}": version for name, version in trained.items()}
    steps |= {f"train {name}": reason for name, reason in skipped.items()}
    steps |= {f"train {name}": decision.summary() for name, decision in decisions.items()}
    steps["score"] = (
        f"{scoring.rows_scored:,} of {scoring.rows_in_mart:,} tickets scored "
        f"({', '.join(f'{k}={v}' for k, v in scoring.versions.items())})"
    )
    steps["dbt"] = dbt
    for step, outcome in steps.items():
        logger.info("%s: %s", step, outcome)
    return TrainScoreResult(trained, skipped, scoring, dbt, steps, decisions)


if __name__ == "__main__":
    print(train_and_score().steps)
