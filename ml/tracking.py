"""Experiment tracking in MLflow's local store, when the optional `tracking` extra is installed.

ml.model_runs in the warehouse stays the record BI reads; this logs the same run (parameters,
metrics, data hash, model and report files) to a SQLite tracking store beside the models
(`<models_dir>/mlflow.db`, artifacts in `<models_dir>/mlartifacts`), so
`mlflow ui --backend-store-uri sqlite:///<models_dir>/mlflow.db` shows every training run.
MLflow 3 keeps its file store (./mlruns) in maintenance mode, hence SQLite. Without mlflow,
or with SUPPORTLAKE_MLFLOW=0, it does nothing.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from pathlib import Path

EXPERIMENT_PREFIX = "supportlake"
TRACKING_DATABASE = "mlflow.db"
ARTIFACTS_FOLDER = "mlartifacts"
SWITCH = "SUPPORTLAKE_MLFLOW"  # 0 / false / off: do not log even when mlflow is installed


def mlflow_available() -> bool:
    if os.environ.get(SWITCH, "").strip().lower() in {"0", "false", "off", "no"}:
        return False
    return importlib.util.find_spec("mlflow") is not None


def tracking_uri(settings) -> str:
    return f"sqlite:///{(Path(settings.models_dir) / TRACKING_DATABASE).resolve()}"


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
    logging.getLogger("mlflow").setLevel(logging.WARNING)  # its schema migrations log at INFO
    logging.getLogger("alembic").setLevel(logging.WARNING)
    import mlflow

    mlflow.set_tracking_uri(tracking_uri(settings))
    client = mlflow.MlflowClient()
    name = f"{EXPERIMENT_PREFIX}-{metadata['task']}"
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        artifacts = (Path(settings.models_dir) / ARTIFACTS_FOLDER).resolve().as_uri()
        experiment_id = client.create_experiment(name, artifact_location=artifacts)
    else:
        experiment_id = experiment.experiment_id
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
    with mlflow.start_run(experiment_id=experiment_id, run_name=metadata["version"]) as run:
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
