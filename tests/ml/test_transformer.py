"""The fine-tuned all-MiniLM-L6-v2 family: a real (tiny) fine-tune through search and scoring."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from ml.candidates import FINE_TUNED_TRANSFORMER, SEQUENCE_VIEW
from ml.classifiers import family_of
from ml.features import detect_feature_set
from ml.scoring import PipelineScorer
from ml.training import (
    Candidate,
    CandidateScore,
    TrainingOptions,
    _transformer_skip,
    fit_candidate,
    fit_task,
)
from ml.transformer_classifier import TransformerClassifier, device_name
from ml.word_sequence import WordPositions, texts_from_positions
from tests.ml.test_candidates import labelled

# Fast settings: one epoch over a few dozen short texts (seconds on a CPU).
TINY = {"transformer_epochs": 1, "transformer_max_length": 16, "transformer_batch_size": 8}


def small(tickets, per_label: int = 10):
    return tickets.groupby("category", group_keys=False).head(per_label).reset_index(drop=True)


def test_word_positions_give_the_words_back_in_order_and_occlusion_removes_one():
    positions = WordPositions().fit(["refund my invoice please", "reset my password"])
    matrix = positions.transform(["please refund my unknown invoice refund"])
    vocabulary = positions.get_feature_names_out()
    # Repeats after the first and words never seen in training are left out.
    assert texts_from_positions(matrix, vocabulary) == ["please refund my invoice"]
    refund = list(vocabulary).index("refund")
    matrix = matrix.tolil()
    matrix[0, refund] = 0.0
    assert texts_from_positions(matrix.tocsr(), vocabulary) == ["please my invoice"]


def test_a_fine_tuned_transformer_is_saved_scored_and_explained(tickets):
    frame = labelled(small(tickets, 4)).frame
    tiny = TransformerClassifier(epochs=1, max_length=16, batch_size=8)
    candidate = Candidate(FINE_TUNED_TRANSFORMER, {}, SEQUENCE_VIEW, lambda: tiny)
    fitted = fit_candidate(
        frame, detect_feature_set(frame), candidate, calibrated=False, folds=2, seed=0
    )
    assert family_of(fitted.named_steps["classifier"]) == FINE_TUNED_TRANSFORMER

    # Saved and loaded like any model: the same probabilities after a round trip.
    pipeline = pickle.loads(pickle.dumps(fitted))
    rows = frame.head(3).drop(columns=["label"])
    expected = fitted.predict_proba(rows)
    assert pipeline.predict_proba(rows) == pytest.approx(expected, abs=1e-3)
    assert expected.sum(axis=1) == pytest.approx(np.ones(3))
    assert list(pipeline.classes_) == sorted(frame["label"].unique())

    # The scorer the API and `predict` use: a label, a confidence and word reasons per row
    # (occlusion: each reason is a word of that ticket).
    predictions = PipelineScorer("category", "v-test", pipeline).predict(rows)
    texts = (rows["subject"] + " " + rows["message"]).str.lower()
    for reasons, text in zip(predictions["category_reasons"], texts, strict=True):
        words = [word.strip() for word in reasons.split(",")]
        assert words and all(word and word in text for word in words), reasons


@pytest.mark.slow
def test_the_transformer_is_searched_and_chosen_when_asked(tickets):
    outcome = fit_task(
        labelled(small(tickets)),
        TrainingOptions(
            task="category",
            folds=2,
            zero_shot=False,
            advanced=(FINE_TUNED_TRANSFORMER,),
            transformer="on",
            families=(FINE_TUNED_TRANSFORMER,),
            **TINY,
        ),
    )
    transformer = next(c for c in outcome.candidates if c.family == FINE_TUNED_TRANSFORMER)
    assert transformer.status == "scored" and len(transformer.fold_scores) == 2
    assert outcome.family == FINE_TUNED_TRANSFORMER


def test_the_transformer_is_skipped_with_its_reason_when_it_cannot_run(tickets):
    spent = fit_task(
        labelled(small(tickets)),
        TrainingOptions(
            task="category",
            folds=2,
            zero_shot=False,
            advanced=(FINE_TUNED_TRANSFORMER,),
            transformer="on",
            budget_minutes=0,
            **TINY,
        ),
    )
    status = next(c.status for c in spent.candidates if c.family == FINE_TUNED_TRANSFORMER)
    assert status == "skipped: --budget-minutes 0 spent before it could start"
    assert spent.family != FINE_TUNED_TRANSFORMER

    # With a little time left, one timed training step decides (and says how long it expects).
    candidate = Candidate(
        FINE_TUNED_TRANSFORMER,
        {"epochs": 1, "max_length": 16, "batch_size": 8},
        SEQUENCE_VIEW,
        TransformerClassifier,
    )
    on = TrainingOptions(task="category", transformer="on", budget_minutes=0.01)
    status = _transformer_skip(candidate, on, rows=5_000, folds=5, left=0.6)
    assert (
        status.startswith("skipped: one fine-tune of 5,000 rows on the ") and "estimated" in status
    )
    if device_name() == "cpu":
        auto = TrainingOptions(task="category")
        status = _transformer_skip(candidate, auto, rows=40, folds=2, left=600)
        assert status.startswith("skipped: no GPU")


def test_train_refuses_an_unknown_transformer_mode_before_reading_data(environment, tmp_path):
    from typer.testing import CliRunner

    from supportlake.cli import app

    result = CliRunner().invoke(
        app, ["train", "--data", str(tmp_path / "none.csv"), "--label", "x", "--transformer", "gpu"]
    )
    assert result.exit_code != 0
    assert "--transformer takes auto, on, off, not 'gpu'" in result.output


def test_the_average_never_takes_the_transformer_as_a_member():
    from ml.candidates import PLAIN_BASELINE, PLAIN_VIEW, PRODUCT_VIEW
    from ml.training import _ensemble

    labels = np.array(["a", "b"] * 4, dtype=object)
    splits = [(np.arange(4), np.arange(4, 8))]
    right = np.eye(2)[[0, 1, 0, 1]]  # every fold prediction right
    families = [
        (FINE_TUNED_TRANSFORMER, SEQUENCE_VIEW, 0.99),
        ("linear_svm", PRODUCT_VIEW, 0.90),
        (PLAIN_BASELINE, PLAIN_VIEW, 0.80),
    ]
    candidates = [Candidate(f, {}, view, TransformerClassifier) for f, view, _ in families]
    scores = [CandidateScore(f, {}, cv, 0.0, 1.0, view=v) for f, v, cv in families]
    members = _ensemble(candidates, scores, [[right]] * 3, labels, splits, TrainingOptions("x"))
    assert members is not None
    assert members[1].parameters["members"] == "linear_svm + plain_baseline"
