"""The API's compiled prediction path gives the saved pipeline's answers, or steps aside."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import FunctionTransformer

from ml import inference as predictor_module
from ml import registry
from ml.datasets import LABEL
from ml.features import build_pipeline, detect_feature_set
from ml.inference import load_predictor, load_task_model, tickets_frame
from tests.api.synthetic import make_training_frame

ODD_TICKETS = [
    {"subject": "", "message": "URGENT!!! everything is DOWN", "channel": "SOCIAL"},
    {"subject": "Re: invoice", "message": "<b>charged</b> twice &amp; more", "queue": "billing"},
    {"subject": "hello", "message": "Hi,\nthanks\n-- \nBob", "product_line": "unknown line"},
    {"subject": "émoji ☃ naïve", "message": "ça ne marche pas", "created_at": datetime(2031, 1, 1)},
    {"subject": "x" * 500, "message": "y " * 2000, "created_at": datetime(2024, 2, 29, 23, 59)},
    {"subject": "tz", "message": "login fails", "created_at": datetime(2025, 3, 1, 7, tzinfo=UTC)},
]


def _tickets():
    frame = make_training_frame(per_pair=2, seed=9)
    tickets = [
        {
            "subject": row.subject,
            "message": row.message,
            "channel": row.channel,
            "created_at": row.created_at + timedelta(minutes=17),
        }
        for row in frame.itertuples()
    ]
    return tickets + ODD_TICKETS


def test_compiled_path_reproduces_the_pipeline_probabilities(trained_models):
    models_dir, _ = trained_models
    predictor = load_predictor(models_dir)
    tickets = _tickets()

    predictions = predictor.predict(tickets)

    for task, model in predictor.models.items():
        assert model.is_compiled, model.compiled_note
        expected = model.pipeline.predict_proba(tickets_frame(tickets))
        got = np.array(
            [[p[task].probabilities[str(c)] for c in model.classes] for p in predictions]
        )
        np.testing.assert_allclose(got, expected, atol=2e-6)  # responses round to 6 decimals
        labels = [p[task].label for p in predictions]
        assert labels == [str(label) for label in model.pipeline.predict(tickets_frame(tickets))]


def test_reasons_are_the_strongest_positive_features_each_named_once(trained_models):
    models_dir, _ = trained_models
    [prediction] = load_predictor(models_dir).predict(
        [{"subject": "Refund", "message": "Refund please: I was charged twice. Refund!"}]
    )

    reasons = prediction["category"].reasons
    assert 0 < len(reasons) <= 5
    assert [r.weight for r in reasons] == sorted((r.weight for r in reasons), reverse=True)
    assert all(r.weight > 0 for r in reasons)
    assert len({r.feature for r in reasons}) == len(reasons)


def test_a_compiled_part_that_disagrees_is_switched_off(trained_models, monkeypatch):
    models_dir, _ = trained_models
    original = predictor_module._compile_temporal

    def off_by_an_hour(transformer, column):
        block, width = original(transformer, column)

        def shifted(prepared):
            rows, columns, values = block(prepared)
            return rows, columns, values * 1.01

        return shifted, width

    monkeypatch.setattr(predictor_module, "_compile_temporal", off_by_an_hour)

    model = load_task_model(models_dir, "priority")

    assert not model.is_compiled
    assert "compiled path disabled" in model.compiled_note
    tickets = _tickets()
    got = load_predictor(models_dir).predict(tickets)  # the whole predictor, same patch
    expected = model.pipeline.predict(tickets_frame(tickets))
    assert [p["priority"].label for p in got] == [str(label) for label in expected]


def text_lengths(texts) -> np.ndarray:
    return np.c_[[len(str(text)) / 100 for text in texts]]


def length_name(transformer, names) -> list[str]:
    return ["length"]


def test_an_unknown_pipeline_part_runs_as_the_pipeline_itself(tmp_path):
    frame = make_training_frame(per_pair=3).rename(columns={"category": LABEL})
    feature_set = detect_feature_set(frame)
    pipeline = build_pipeline(
        feature_set, LogisticRegression(max_iter=300), training_rows=len(frame)
    )
    features = pipeline.named_steps["features"]
    # joblib pickles the function by module and name; names make reasons possible.
    lengths = FunctionTransformer(text_lengths, feature_names_out=length_name)
    features.transformers.append(("length", lengths, "text"))
    pipeline.fit(frame.drop(columns=[LABEL, "priority"]), frame[LABEL])
    registry.save_model(tmp_path, "category", "custom-1", pipeline, {"trained_at": "now"})
    registry.set_current(tmp_path, "category", "custom-1")

    predictor = load_predictor(tmp_path)
    tickets = _tickets()

    model = predictor.models["category"]
    assert not model.is_compiled and "not known" in model.compiled_note
    labels = [p["category"].label for p in predictor.predict(tickets)]
    assert labels == [str(label) for label in pipeline.predict(tickets_frame(tickets))]


def test_no_model_says_how_to_get_one(tmp_path):
    predictor = load_predictor(tmp_path)

    with pytest.raises(predictor_module.ModelUnavailable, match="supportlake train"):
        predictor.predict([{"message": "hello"}])
    assert json.dumps(predictor.versions) == "{}"


def test_a_non_linear_model_gets_occlusion_reasons_on_the_compiled_features(tmp_path):
    frame = make_training_frame(per_pair=3).rename(columns={"category": LABEL})
    pipeline = build_pipeline(
        detect_feature_set(frame),
        RandomForestClassifier(n_estimators=30, random_state=0),
        training_rows=len(frame),
    )
    pipeline.fit(frame.drop(columns=[LABEL, "priority"]), frame[LABEL])
    registry.save_model(tmp_path, "category", "forest-1", pipeline, {"trained_at": "now"})
    registry.set_current(tmp_path, "category", "forest-1")

    predictor = load_predictor(tmp_path)
    model = predictor.models["category"]
    tickets = _tickets()
    predictions = [p["category"] for p in predictor.predict(tickets)]

    assert model.weights is None and model.is_compiled, model.compiled_note
    assert [p.label for p in predictions] == [
        str(label) for label in pipeline.predict(tickets_frame(tickets))
    ]
    assert all(0 < len(p.reasons) <= predictor_module.REASON_COUNT for p in predictions)
    # Character n-grams explain nothing to a reader and are never offered as reasons.
    names = {reason.feature for p in predictions for reason in p.reasons}
    assert not any(name.startswith("chars:") for name in names)
    assert any(reason.weight > 0 for p in predictions for reason in p.reasons)


def test_the_word_cache_changes_nothing_on_a_second_pass(trained_models):
    models_dir, _ = trained_models
    predictor = load_predictor(models_dir)
    tickets = _tickets()

    first = predictor.predict(tickets)  # fills the character n-gram word cache
    second = predictor.predict(tickets)  # answers from it

    assert first == second
