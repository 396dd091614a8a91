"""`supportlake train`, `predict` and `score` as a user runs them."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from ml import registry
from supportlake.cli import app

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


def export(tickets: pd.DataFrame) -> pd.DataFrame:
    """The fixture tickets as a foreign export would name them."""
    return pd.DataFrame(
        {
            "Ticket ID": tickets["ticket_id"],
            "Title": tickets["subject"],
            "Body": tickets["message"],
            "Topic": tickets["category"],
        }
    )


def test_train_on_a_file_with_holdout_then_predict_writes_labels_and_confidences(
    environment, tickets, tmp_path
):
    frame = export(tickets)
    train_file, holdout_file = tmp_path / "train.csv", tmp_path / "holdout.parquet"
    frame.iloc[::2].to_csv(train_file, index=False)
    frame.iloc[1::2].to_parquet(holdout_file, index=False)

    result = invoke(
        "train",
        "--data",
        str(train_file),
        "--text",
        "Title,Body",
        "--label",
        "Topic",
        "--holdout",
        str(holdout_file),
        "--quick",
        "--folds",
        "3",
        "--no-zero-shot",
    )
    assert "topic: holdout (60 rows)" in result.output
    assert "majority_class" in result.output and "report" in result.output
    version = registry.current_version(environment.models_dir, "topic")
    assert version and version in result.output

    assert "selection: " in result.output and "routing: " in result.output

    out = tmp_path / "predicted.csv"
    # A model trained on an outside file is used only when asked for by name.
    unnamed = runner.invoke(app, ["predict", "--data", str(holdout_file), "--out", str(out)])
    assert unnamed.exit_code == 2 and not out.exists()
    assert "models trained on files: topic" in " ".join(unnamed.output.split())
    result = invoke("predict", "--data", str(holdout_file), "--out", str(out), "--task", "topic")
    predicted = pd.read_csv(out)
    assert len(predicted) == len(frame.iloc[1::2])
    new_columns = [
        "predicted_topic",
        "topic_confidence",
        "topic_reasons",
        "topic_model_version",
        "topic_routable",
    ]
    assert list(predicted.columns) == [*frame.columns, *new_columns]
    assert predicted["topic_confidence"].between(0, 1).all()
    threshold = registry.load_model(environment.models_dir, "topic").metadata["routing"][
        "threshold"
    ]
    assert (predicted["topic_routable"] == (predicted["topic_confidence"] >= threshold)).all()
    assert "rows routable" in result.output
    assert (predicted["predicted_topic"] == predicted["Topic"]).mean() > 0.9
    assert set(predicted["topic_model_version"]) == {version}
    assert f"predicted {len(predicted)} rows" in result.output and str(out) in result.output


def test_train_with_a_column_mapping_and_bad_column_names(environment, tickets, tmp_path):
    data = tmp_path / "export.csv"
    export(tickets).to_csv(data, index=False)
    mapping = tmp_path / "helpdesk.yaml"
    mapping.write_text("columns:\n  Title: subject\n  Body: message\n  Topic: category\n")

    invoke(
        "train",
        "--data",
        str(data),
        "--mapping",
        str(mapping),
        "--label",
        "category",
        "--quick",
        "--folds",
        "3",
        "--no-zero-shot",
    )
    # A file's `category` model lives under the file's name: the warehouse's stays untouched.
    assert registry.current_version(environment.models_dir, "category") is None
    model = registry.load_model(environment.models_dir, "export_category")
    assert model.metadata["feature_set"]["subject"] is True  # Title became the subject
    assert model.metadata["scope"] == "file"

    missing = runner.invoke(
        app, ["train", "--data", str(data), "--text", "Text", "--label", "Topic"]
    )
    assert missing.exit_code == 2
    output = " ".join(missing.output.split())  # rich wraps long lines at the terminal width
    assert "no text column 'Text'" in output and "Title" in output


def test_score_command_prints_what_it_wrote(warehouse, environment):
    invoke("train", "--label", "priority", "--quick", "--folds", "3", "--no-zero-shot")
    result = invoke("score", "--no-zero-shot")
    assert f"scored {120} of {120} tickets" in result.output
    assert "ml.ticket_predictions" in result.output
    assert "no model for category" in result.output


def test_rollback_moves_current_back_one_promotion_at_a_time(warehouse, environment):
    # Versions in the order they were trained: two made within one second sort by their data
    # hash, not by time, so the registry's name order is not the training order.
    trained = []
    for seed in ("0", "1", "2"):
        invoke(
            "train",
            "--label",
            "priority",
            "--quick",
            "--folds",
            "3",
            "--no-zero-shot",
            "--seed",
            seed,
        )
        trained.append(registry.current_version(environment.models_dir, "priority"))
    first, second, third = trained
    assert sorted(trained) == registry.list_versions(environment.models_dir, "priority")
    assert registry.current_version(environment.models_dir, "priority") == third

    result = invoke("rollback", "--task", "priority")
    assert f"current {third} -> {second}" in " ".join(result.output.split())
    invoke("rollback", "--task", "priority")
    assert registry.current_version(environment.models_dir, "priority") == first
    invoke("rollback", "--task", "priority", "--to", third)
    assert registry.current_version(environment.models_dir, "priority") == third

    nothing = runner.invoke(app, ["rollback", "--task", "category"])
    assert nothing.exit_code == 2 and "no current category model" in nothing.output
