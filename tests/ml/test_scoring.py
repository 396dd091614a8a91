"""Scoring marts.tickets into ml.ticket_predictions: batches, versions, idempotent re-runs."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from flows.classifier_steps import score_warehouse
from ml import registry
from ml.scoring import PREDICTION_COLUMNS
from supportlake.warehouse import open_warehouse
from tests.ml.conftest import train_quickly


def predictions(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        return connection.execute(
            "select * from ml.ticket_predictions order by ticket_id"
        ).fetchall()


@pytest.fixture
def scoring(warehouse, trained):
    """A fresh warehouse (marts.tickets only) with a copy of the session's trained models."""
    source, runs = trained
    shutil.copytree(source.models_dir, warehouse.models_dir)
    return warehouse, {task: run.version for task, run in runs.items()}


def test_scoring_writes_one_row_per_ticket_with_versions_and_reasons(scoring, tickets):
    settings, versions = scoring
    batches = []
    summary = score_warehouse(settings, batch_size=25, on_batch=batches.append)

    assert summary.rows_scored == summary.rows_in_mart == len(tickets)
    assert summary.batches == len(batches) == 5 and max(batches) <= 25  # bounded batches
    rows = predictions(settings)
    assert [row[0] for row in rows] == sorted(tickets["ticket_id"])
    record = dict(zip(PREDICTION_COLUMNS, rows[0], strict=True))
    assert record["category_model_version"] == versions["category"]
    assert record["priority_model_version"] == versions["priority"]
    assert 0 < record["category_confidence"] <= 1 and record["category_reasons"]
    truth = tickets.set_index("ticket_id")
    agreed = sum(row[1] == truth.loc[row[0], "category"] for row in rows)
    assert agreed / len(rows) > 0.9


def test_rescoring_is_idempotent_and_follows_new_versions(scoring, tickets):
    settings, versions = scoring
    score_warehouse(settings)
    first = predictions(settings)

    again = score_warehouse(settings)  # nothing new: nothing scored, nothing duplicated
    assert again.rows_scored == 0 and predictions(settings) == first

    everything = score_warehouse(settings, rescore_all=True)
    assert everything.rows_scored == len(tickets)
    rows = predictions(settings)
    assert len(rows) == len(tickets) == len({row[0] for row in rows})

    newer = train_quickly(settings, "priority").version  # a new version re-scores every ticket once
    assert score_warehouse(settings).rows_scored == len(tickets)
    rows = predictions(settings)
    assert len(rows) == len(tickets)
    assert {row[PREDICTION_COLUMNS.index("priority_model_version")] for row in rows} == {newer}
    assert registry.current_version(settings.models_dir, "priority") == newer


def test_new_tickets_are_scored_and_vanished_ones_dropped(scoring, tickets):
    settings, _ = scoring
    score_warehouse(settings)
    with open_warehouse(settings) as connection:
        connection.execute("delete from marts.tickets where ticket_id = 'T00000'")
        connection.execute(
            "insert into marts.tickets (ticket_id, subject, message, priority, category) "
            "values ('NEW1', 'Refund', 'charged twice on my invoice', 'Low', 'Billing')"
        )
    summary = score_warehouse(settings)
    assert summary.rows_scored == 1 and summary.removed_stale == 1
    ids = [row[0] for row in predictions(settings)]
    assert "NEW1" in ids and "T00000" not in ids and len(ids) == len(tickets)


def test_a_failed_scoring_run_leaves_the_previous_predictions(scoring, tickets):
    settings, _ = scoring
    score_warehouse(settings)
    before = predictions(settings)

    def fail_midway(rows):
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        score_warehouse(settings, rescore_all=True, batch_size=40, on_batch=fail_midway)
    assert predictions(settings) == before
