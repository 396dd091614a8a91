"""The train-and-score flow on a real Prefect test server, with the real dbt build after it."""

from __future__ import annotations

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.train_score import train_and_score
from ml import registry
from ml.scoring import SCORING_TASKS


@pytest.fixture(scope="module", autouse=True)
def prefect_server():
    with prefect_test_harness(server_startup_timeout=90):
        yield


def test_flow_trains_missing_models_scores_and_builds_the_classification_marts(
    warehouse, environment, tickets
):
    result = train_and_score(quick=True, zero_shot_evaluation=False)

    assert set(result.trained) == {"category", "priority"} and not result.skipped
    assert result.scoring.rows_scored == len(tickets)
    assert "error" not in result.dbt and "fail" not in result.dbt
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as connection:
        classified = connection.execute(
            "select count(*), avg(is_category_agreed::int), count(distinct priority_model_version) "
            "from marts.ticket_classifications"
        ).fetchall()[0]
        confusion = connection.execute(
            "select sum(ticket_count) from marts.agg_classification_confusion "
            "where task = 'category'"
        ).fetchall()[0][0]
    assert classified[0] == len(tickets) and classified[1] > 0.9 and classified[2] == 1
    assert confusion == len(tickets)

    # The next run keeps both models unless asked to retrain.
    to_train, skipped = registry.tasks_to_train(warehouse.models_dir, SCORING_TASKS, retrain=False)
    assert to_train == [] and set(skipped) == {"category", "priority"}
    assert registry.tasks_to_train(warehouse.models_dir, ["priority"], retrain=True)[0] == [
        "priority"
    ]

    # A retrain trains challengers; on the same tickets they cannot beat a perfect champion,
    # so both are refused and the champions stay current.
    champions = {
        task: registry.current_version(warehouse.models_dir, task) for task in SCORING_TASKS
    }
    again = train_and_score(retrain=True, quick=True, zero_shot_evaluation=False)
    assert set(again.decisions) == set(SCORING_TASKS) and not again.trained
    assert all(not decision.promoted for decision in again.decisions.values())
    assert all("refused" in again.steps[f"train {task}"] for task in SCORING_TASKS)
    assert champions == {
        task: registry.current_version(warehouse.models_dir, task) for task in SCORING_TASKS
    }
