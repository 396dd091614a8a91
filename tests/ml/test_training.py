"""A real (small) training run: search, calibration, registry, ml.model_runs, report."""

from __future__ import annotations

import json

import duckdb
import pytest

from flows.classifier_steps import load_training_data, train_task
from ml import registry
from ml.datasets import DataError, LabelledData, TextSpec, finish_labels
from ml.training import TrainingOptions, fit_task


def options(task: str, **overrides) -> TrainingOptions:
    return TrainingOptions(task=task, quick=True, folds=3, zero_shot=False, **overrides)


def test_training_on_the_warehouse_registers_a_calibrated_model(trained):
    warehouse, runs = trained
    run = runs["category"]
    data = run.outcome.data
    outcome = run.outcome
    assert outcome.family in {"linear_svm", "naive_bayes", "plain_baseline", "averaged_ensemble"}
    assert outcome.chosen.macro_f1 > 0.9  # the fixture's categories are easy to learn
    assert outcome.chosen.macro_f1 > outcome.evaluations["majority_class"].macro_f1
    assert outcome.evaluations["majority_class"].accuracy == pytest.approx(0.25, abs=0.05)
    probabilities = run.outcome.pipeline.predict_proba(data.frame.head(3))
    assert probabilities.sum(axis=1) == pytest.approx([1, 1, 1])

    # Registry: model, metadata and the pointer.
    assert registry.list_versions(warehouse.models_dir, "category") == [run.version]
    assert registry.current_version(warehouse.models_dir, "category") == run.version
    metadata = json.loads((run.model_folder / "metadata.json").read_text())
    assert metadata["labels"] == ["Account", "Billing", "Security", "Technical"]
    assert metadata["data"]["hash"] and metadata["data"]["source"] == "warehouse:marts.tickets"
    assert metadata["package_version"] and "code_version" in metadata
    assert metadata["metrics"]["majority_class"]["macro_f1"] < 0.2
    reloaded = registry.load_model(warehouse.models_dir, "category").load_pipeline()
    assert list(reloaded.predict(data.frame.head(3))) == list(
        outcome.pipeline.predict(data.frame.head(3))
    )

    # One ml.model_runs row with the same figures.
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as connection:
        row = connection.execute(
            "select task, model_family, holdout_macro_f1, majority_macro_f1, training_rows, "
            "label_set from ml.model_runs where model_version = ?",
            [run.version],
        ).fetchone()
    assert row[:2] == ("category", outcome.family)
    assert row[2] == pytest.approx(outcome.chosen.macro_f1)
    assert row[4] == len(data.frame)  # the saved model is refit on every labelled row
    assert json.loads(row[5]) == metadata["labels"]


def test_report_shows_the_majority_baseline_beside_every_score(trained):
    warehouse, runs = trained
    run = runs["priority"]

    report = run.report_files["markdown"].read_text()
    scores = report.split("## Holdout scores")[1].split("##")[0]
    model_rows = [
        line for line in scores.splitlines() if line.startswith("| ") and "---" not in line
    ]
    majority = f"{run.outcome.evaluations['majority_class'].macro_f1:.3f}"
    assert len(model_rows) == 1 + 3  # header + majority, baseline, chosen
    assert all(majority in line for line in model_rows[1:])
    assert "plain_baseline (tf-idf + logistic regression)" in report
    assert "Decision: " in report and run.outcome.selection in report
    assert "Routing at 90% precision" in report and "Rare labels" in report
    for name in ("confusion_matrix.png", "reliability.png", "report.html", "metrics.json"):
        assert (run.report_folder / name).stat().st_size > 0
    assert run.report_folder.parent == warehouse.reports / "models"
    assert "Top features per class" in report and "ECE" in report


def test_every_run_gets_its_own_version_and_the_pointer_moves(warehouse):
    data = load_training_data(warehouse, "priority")
    first = train_task(warehouse, options("priority"), data)
    second = train_task(warehouse, options("priority", seed=1), data)
    assert first.version != second.version
    assert registry.list_versions(warehouse.models_dir, "priority") == sorted(
        [first.version, second.version]
    )
    assert registry.current_version(warehouse.models_dir, "priority") == second.version
    registry.set_current(warehouse.models_dir, "priority", first.version)
    assert registry.load_model(warehouse.models_dir, "priority").version == first.version


def test_separate_holdout_file_is_scored_and_rare_labels_are_kept(tickets, tmp_path):
    train_rows, holdout_rows = tickets.iloc[::2], tickets.iloc[1::2]
    # Three "Refund" rows: rare, kept in training (class-weighted) and reported as such.
    rare = train_rows.head(3).assign(category="Refund")
    frame = __import__("pandas").concat([train_rows, rare]).rename(columns={"category": "label"})
    data = finish_labels(LabelledData(frame, "train.csv", TextSpec(), rows_read=len(frame)))
    holdout_frame = holdout_rows.rename(columns={"category": "label"})
    holdout = finish_labels(
        LabelledData(holdout_frame, "holdout.csv", TextSpec(), rows_read=len(holdout_frame))
    )

    outcome = fit_task(data, options("category"), holdout)

    assert outcome.holdout_rows == len(holdout_rows) and outcome.holdout_source == "holdout.csv"
    assert outcome.final_rows == len(train_rows) + 3  # a separate holdout: no refit
    assert "Refund" in outcome.labels
    assert [(r.label, r.training_rows, r.handling) for r in outcome.rare_labels] == [
        ("Refund", 3, "kept, class-weighted")
    ]


def test_one_label_is_not_enough_to_train(tickets):
    frame = tickets.assign(label="Billing")
    data = finish_labels(LabelledData(frame, "one.csv", TextSpec(), rows_read=len(frame)))
    with pytest.raises(DataError, match="at least two labels"):
        fit_task(data, options("category"))
