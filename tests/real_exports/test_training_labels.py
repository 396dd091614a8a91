"""Training reads a vendor export through the same mapping as the ingest: its labels are the
warehouse's values, and a label the warehouse would reject is no label."""

from __future__ import annotations

from pathlib import Path

from ml.datasets import TextSpec, finish_labels, load_labelled_file

VENDOR_EXPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "vendor_exports"


def test_zendesk_priorities_train_as_the_warehouse_reads_them():
    data = finish_labels(
        load_labelled_file(
            VENDOR_EXPORTS / "zendesk_tickets.csv", TextSpec((), "Priority", "zendesk")
        )
    )

    # Normal is Medium, as in marts.tickets; "-" (no priority) leaves two rows unlabelled.
    assert data.frame["label"].value_counts().to_dict() == {
        "Medium": 6, "High": 4, "Urgent": 4, "Low": 4,
    }  # fmt: skip
    assert data.rows_unlabelled == 2
    assert set(data.frame["channel"].dropna()) <= {"Email", "Chat", "Phone", "Web Form"}


def test_a_priority_label_outside_the_priority_levels_is_no_label(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("subject,priority\nlaptop broken,HIGH\nprinter jam,P0\nvpn down, urgent \n")

    data = finish_labels(load_labelled_file(export, TextSpec((), "priority", None)))

    assert list(data.frame["label"]) == ["High", "Urgent"]
    assert data.rows_unlabelled == 1


def test_it_topic_groups_train_as_the_taxonomys_categories_under_their_own_column_name():
    data = finish_labels(
        load_labelled_file(
            VENDOR_EXPORTS / "it_service_topic_sample.csv",
            TextSpec((), "Topic_group", "it_service_topic"),  # the file's own column name
        )
    )

    assert set(data.frame["label"]) == {
        "Technical", "Account", "Billing", "Security", "General Inquiry",
    }  # fmt: skip
