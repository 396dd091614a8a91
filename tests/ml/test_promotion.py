"""Nightly retraining: a challenger replaces the champion only when it wins on a fresh holdout."""

from __future__ import annotations

import duckdb
import numpy as np

from flows.classifier_steps import challenge_champion, load_training_data, train_task
from ml import registry
from ml.datasets import LABEL
from ml.promotion import split_fresh_holdout
from ml.training import TrainingOptions


def options() -> TrainingOptions:
    return TrainingOptions(task="category", quick=True, folds=3, zero_shot=False, advanced=())


def scrambled(data, seed: int = 3):
    """The same tickets with their labels shuffled: what a bad batch of labels trains."""
    frame = data.frame.copy()
    frame[LABEL] = np.random.default_rng(seed).permutation(frame[LABEL].to_numpy())
    data.frame = frame
    return data


def promotions(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        return connection.execute(
            "select champion_version, challenger_version, promoted, champion_macro_f1, "
            "challenger_macro_f1 from ml.model_promotions order by decided_at"
        ).fetchall()


def test_a_worse_challenger_is_refused_and_the_champion_stays_current(warehouse):
    champion = train_task(warehouse, options(), load_training_data(warehouse, "category")).version
    train, holdout = split_fresh_holdout(load_training_data(warehouse, "category"))

    decision = challenge_champion(warehouse, options(), scrambled(train), holdout=holdout)

    assert not decision.promoted and decision.champion == champion
    assert decision.challenger_macro_f1 < decision.champion_macro_f1
    assert registry.current_version(warehouse.models_dir, "category") == champion
    assert decision.challenger in registry.list_versions(warehouse.models_dir, "category")
    assert "champion stays current" in decision.reason
    [row] = promotions(warehouse)
    assert row[:3] == (champion, decision.challenger, False)


def test_a_better_challenger_is_promoted_and_can_be_rolled_back(warehouse):
    data = load_training_data(warehouse, "category")
    champion = train_task(warehouse, options(), scrambled(data)).version

    decision = challenge_champion(warehouse, options(), load_training_data(warehouse, "category"))

    assert decision.promoted and decision.challenger_macro_f1 > decision.champion_macro_f1
    assert registry.current_version(warehouse.models_dir, "category") == decision.challenger
    assert promotions(warehouse)[0][2] is True
    registry.rollback(warehouse.models_dir, "category")
    assert registry.current_version(warehouse.models_dir, "category") == champion
