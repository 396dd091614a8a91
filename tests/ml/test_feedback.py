"""Human corrections override recorded labels in the next training run."""

from __future__ import annotations

import pandas as pd

from ml.datasets import LabelledData, TextSpec
from ml.feedback import apply_corrections, latest_corrections, read_corrections_table
from ml.training import TrainingOptions, load_training_data, train_task
from supportlake.raw_schema import ensure_raw_schema
from supportlake.warehouse import open_warehouse


def corrections(*rows) -> pd.DataFrame:
    columns = [
        "ticket_id",
        "corrected_category",
        "corrected_priority",
        "corrected_by",
        "corrected_at",
    ]
    return pd.DataFrame(list(rows), columns=columns)


def test_latest_correction_wins_and_blank_values_leave_the_label_alone():
    frame = corrections(
        ("T1", "Billing", "", "ana", "2025-01-02T10:00:00Z"),
        ("T1", "Security", None, "bo", "2025-01-03T10:00:00Z"),  # later: wins
        ("T1", "Account", None, "cy", "not a time"),  # undated: outranked by dated ones
        (" T2 ", "  ", "Urgent", "ana", "2025-01-01"),  # no category correction for T2
    )
    latest = latest_corrections(frame, "category")
    assert latest.to_dict("records") == [{"ticket_id": "T1", "corrected_label": "Security"}]
    assert latest_corrections(frame, "priority").to_dict("records") == [
        {"ticket_id": "T2", "corrected_label": "Urgent"}
    ]


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
    fixed = apply_corrections(
        data,
        corrections(("T2", "billing", None, "ana", None), ("T9", "Security", None, "bo", None)),
        "category",
    )
    assert fixed.frame["label"].tolist() == ["Billing", "Billing", "Account"]
    assert fixed.corrections_used == 1
    assert any("1 corrections name tickets not in the training data" in n for n in fixed.notes)


def test_training_data_from_the_warehouse_uses_ingested_corrections(warehouse, tickets):
    target = tickets.loc[tickets["category"] == "Billing", "ticket_id"].iloc[0]
    unlabelled = tickets["ticket_id"].iloc[-1]
    with open_warehouse(warehouse) as connection:
        ensure_raw_schema(connection)  # raw.ticket_corrections, as the ingest creates it
        connection.execute(
            "update marts.tickets set category = null where ticket_id = ?", [unlabelled]
        )
        connection.executemany(
            "insert into raw.ticket_corrections "
            "values (?, ?, ?, 'agent', ?, 'load', 'f.jsonl', 1, now())",
            [
                (target, "Security", None, "2025-05-01"),
                (unlabelled, "Account", "Low", "2025-05-01"),
            ],
        )
        assert len(read_corrections_table(connection)) == 2

    category = load_training_data(warehouse, "category")
    frame = category.frame.set_index("ticket_id")
    assert frame.loc[target, "label"] == "Security"
    assert frame.loc[unlabelled, "label"] == "Account"  # a corrected ticket with no label counts
    assert category.corrections_used == 2
    assert load_training_data(warehouse, "priority").corrections_used == 1

    run = train_task(
        warehouse,
        TrainingOptions(task="category", quick=True, folds=3, zero_shot=False),
        category,
    )
    assert "2 labels taken from human corrections" in run.report_files["markdown"].read_text()
    assert run.metadata["data"]["corrections_used"] == 2
