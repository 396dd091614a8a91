"""A training run appears in MLflow's local tracking store with the warehouse's figures."""

from __future__ import annotations

import duckdb
import pytest

from ml.tracking import SWITCH, tracking_uri
from tests.ml.conftest import train_quickly

mlflow = pytest.importorskip("mlflow", reason="the optional `tracking` extra is not installed")


def test_training_is_logged_to_mlflow_with_its_data_hash_and_metrics(warehouse, monkeypatch):
    monkeypatch.setenv(SWITCH, "1")
    run = train_quickly(warehouse, "priority")

    mlflow.set_tracking_uri(tracking_uri(warehouse))
    runs = mlflow.search_runs(experiment_names=["supportlake-priority"])
    assert len(runs) == 1
    logged = runs.iloc[0]
    assert logged["tags.model_version"] == run.version
    assert logged["params.data_hash"] == run.metadata["data"]["hash"]
    with duckdb.connect(str(warehouse.warehouse), read_only=True) as connection:
        macro_f1 = connection.execute(
            "select holdout_macro_f1 from ml.model_runs where model_version = ?", [run.version]
        ).fetchone()[0]
    assert logged["metrics.chosen.macro_f1"] == pytest.approx(macro_f1, abs=1e-4)
    artifacts = mlflow.artifacts.list_artifacts(run_id=logged["run_id"], artifact_path="report")
    assert any(item.path.endswith("report.md") for item in artifacts)
    assert (warehouse.models_dir / "mlflow.db").exists()
