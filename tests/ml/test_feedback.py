"""Human corrections override recorded labels in the next training run.

Which correction counts is dbt's rule (marts.ticket_corrections_latest, with its unit test);
these tests send corrections files the way a user does (ingest, then the mart built) and check
that training applies what the mart says."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from flows.classifier_steps import load_training_data, train_task
from flows.corrections import load_corrections
from ml.datasets import DataError, LabelledData, TextSpec
from ml.feedback import apply_corrections
from ml.training import TrainingOptions
from supportlake.cli import app
from supportlake.ingest import ingest_path
from supportlake.warehouse import open_warehouse

runner = CliRunner()


def write_jsonl(path, *records) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def test_corrections_override_labels_in_the_data_spelling_and_are_counted():
    data = LabelledData(
        pd.DataFrame(
            {
                "ticket_id": ["T1", "T2", "T3"],
                "message": ["a", "b", "c"],
                "label": ["Billing", "Account", "Account"],
            }
        ),
        "file.csv",
        TextSpec(),
        rows_read=3,
    )
    latest = pd.DataFrame({"ticket_id": ["T2", "T9"], "corrected_label": ["billing", "Security"]})
    fixed = apply_corrections(data, latest)
    assert fixed.frame["label"].tolist() == ["Billing", "Billing", "Account"]
    assert fixed.corrections_used == 1
    assert any("1 corrections name tickets not in the training data" in n for n in fixed.notes)


def test_training_on_the_warehouse_applies_the_corrections_mart(warehouse, tickets, tmp_path):
    target = tickets.loc[tickets["category"] == "Billing", "ticket_id"].iloc[0]
    unlabelled = tickets["ticket_id"].iloc[-1]
    untouched = tickets.loc[tickets["category"] == "Account", "ticket_id"].iloc[0]
    with open_warehouse(warehouse) as connection:
        connection.execute(
            "update marts.tickets set category = null where ticket_id = ?", [unlabelled]
        )
    corrections = tmp_path / "corrections.jsonl"
    write_jsonl(
        corrections,
        {"ticket_id": target, "corrected_category": "Security", "corrected_at": "2025-05-02"},
        # earlier, though later in the file, and undated: both lose to the correction above
        {"ticket_id": target, "corrected_category": "Account", "corrected_at": "2025-05-01"},
        {"ticket_id": target, "corrected_category": "Technical", "corrected_at": "not a time"},
        {"ticket_id": unlabelled, "corrected_category": "Account", "corrected_priority": "Low"},
        {"ticket_id": untouched, "corrected_category": " "},  # blank: no
    )

    loaded = load_corrections(warehouse, corrections)

    assert (loaded.status, loaded.rows_loaded) == ("loaded", 5)
    category = load_training_data(warehouse, "category")
    frame = category.frame.set_index("ticket_id")
    assert frame.loc[target, "label"] == "Security"
    assert frame.loc[unlabelled, "label"] == "Account"  # a corrected ticket with no label counts
    assert frame.loc[untouched, "label"] == "Account"
    assert category.corrections_used == 2
    assert load_training_data(warehouse, "priority").corrections_used == 1

    run = train_task(
        warehouse,
        TrainingOptions(task="category", quick=True, folds=3, zero_shot=False),
        category,
    )
    assert "2 labels taken from human corrections" in run.report_files["markdown"].read_text()
    assert run.metadata["data"]["corrections_used"] == 2


def test_corrections_loaded_but_never_built_are_not_dropped_silently(warehouse, tmp_path):
    landed = tmp_path / "ticket_corrections" / "api.jsonl"
    landed.parent.mkdir()
    write_jsonl(landed, {"ticket_id": "T00001", "corrected_category": "Billing"})
    ingest_path(landed, warehouse)

    with pytest.raises(
        DataError, match="1 corrections are loaded in raw.ticket_corrections .* `supportlake build`"
    ):
        load_training_data(warehouse, "category")


def test_train_with_a_corrections_file_next_to_an_outside_export(environment, tickets, tmp_path):
    """`train --data X --corrections Y`: Y goes through a warehouse of its own, so the
    warehouse the user works with gets none of the outside file's ticket ids."""
    export = tmp_path / "export.csv"
    tickets[["ticket_id", "subject", "message", "category"]].to_csv(export, index=False)
    corrections = tmp_path / "fixes.csv"
    billing = tickets.loc[tickets["category"] == "Billing", "ticket_id"]
    pd.DataFrame(
        {"ticket_id": billing.iloc[:3], "corrected_category": "Security", "corrected_by": "ana"}
    ).to_csv(corrections, index=False)

    result = runner.invoke(app, [
        "train", "--data", str(export), "--label", "category", "--task", "category",
        "--corrections", str(corrections), "--quick", "--folds", "3", "--no-zero-shot",
    ])  # fmt: skip
    assert result.exit_code == 0, result.output

    assert "fixes.csv: 3 rows loaded as load" in result.output
    assert "3 corrections used" in result.output
    with open_warehouse(environment, read_only=True) as connection:
        tables = connection.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
        ).fetchall()
    assert ("raw.ticket_corrections",) not in tables


def test_a_corrections_file_that_does_not_load_stops_training_naming_it(environment, tmp_path):
    broken = tmp_path / "fixes.parquet"
    broken.write_text("not parquet", encoding="utf-8")
    result = runner.invoke(app, ["train", "--corrections", str(broken)])
    assert result.exit_code != 0
    assert "fixes.parquet: corrections not loaded" in result.output
