"""Experiment tracking in MLflow's local store, when the optional `mlflow` extra is installed.

ml.model_runs in the warehouse stays the record BI reads; this logs the same run (parameters,
metrics, data hash, model and report files) to `<models_dir>/mlruns`, so `mlflow ui
--backend-store-uri <models_dir>/mlruns` shows every training run. Without mlflow it does
nothing.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

EXPERIMENT_PREFIX = "supportlake"
TRACKING_FOLDER = "mlruns"


def mlflow_available() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def tracking_uri(settings) -> str:
    return (Path(settings.models_dir) / TRACKING_FOLDER).resolve().as_uri()


def _flat_metrics(metadata: dict) -> dict[str, float]:
    metrics = {}
    for model, scores in metadata.get("metrics", {}).items():
        for name, value in scores.items():
            if isinstance(value, int | float) and value is not None:
                metrics[f"{model}.{name}"] = float(value)
    cv = metadata.get("cv", {})
    for name in ("chosen_macro_f1", "baseline_macro_f1"):
        value = cv.get(name)
        if isinstance(value, int | float) and value == value:  # not NaN
            metrics[f"cv.{name}"] = float(value)
    return metrics


def log_to_mlflow(settings, metadata: dict, model_folder: Path, report_folder: Path) -> str | None:
    """Log one registered run; returns the MLflow run id, or None without mlflow."""
    if not mlflow_available():
        return None
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # nothing leaves the machine
    import mlflow

    client_uri = tracking_uri(settings)
    mlflow.set_tracking_uri(client_uri)
    mlflow.set_experiment(f"{EXPERIMENT_PREFIX}-{metadata['task']}")
    data = metadata.get("data", {})
    parameters = {
        "model_family": metadata.get("model_family"),
        "baseline_family": metadata.get("baseline_family"),
        "data_source": data.get("source"),
        "data_hash": data.get("hash"),
        "training_rows": data.get("training_rows"),
        "holdout_rows": data.get("holdout_rows"),
        "holdout_source": data.get("holdout_source"),
        "scope": metadata.get("scope"),
        "selection": (metadata.get("cv") or {}).get("selection"),
        **{f"param.{k}": v for k, v in (metadata.get("parameters") or {}).items()},
    }
    with mlflow.start_run(run_name=metadata["version"]) as run:
        mlflow.set_tags(
            {
                "model_version": metadata["version"],
                "code_version": str(metadata.get("code_version")),
                "package_version": str(metadata.get("package_version")),
            }
        )
        mlflow.log_params({k: str(v)[:500] for k, v in parameters.items() if v is not None})
        mlflow.log_metrics(_flat_metrics(metadata))
        mlflow.log_artifacts(str(report_folder), artifact_path="report")
        mlflow.log_artifacts(str(model_folder), artifact_path="model")
        return run.info.run_id
