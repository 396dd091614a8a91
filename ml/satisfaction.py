"""Satisfaction drivers: a small model of CSAT from ticket handling, and its importances.

Kept in the model registry (ml/registry.py) like the classifiers, as the task `satisfaction`:
one versioned folder per fit (model and metadata with the drivers), a `current` pointer, its
history and `supportlake models rollback`."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.inspection import permutation_importance
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from ml import registry

NUMERIC_FEATURES = ["resolution_hours", "first_response_hours", "reopened_count", "is_escalated"]
CATEGORICAL_FEATURES = ["priority", "category", "channel", "queue"]
TARGET = "satisfaction_score"
REGISTRY_TASK = "satisfaction"
MIN_TRAINING_ROWS = 50


@dataclass
class SatisfactionDrivers:
    """What the report shows: which handling factors move CSAT, and how well the model fits."""

    trained_at: str
    training_rows: int
    mean_absolute_error: float
    baseline_mean_absolute_error: float  # predicting the mean CSAT for everyone
    r2: float
    importances: dict[str, float]  # feature -> mean drop in R^2 when shuffled

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def prepare_features(tickets: pd.DataFrame) -> pd.DataFrame:
    """Turn mart columns into model inputs (hours read better than minutes in importances)."""
    frame = pd.DataFrame(
        {
            "resolution_hours": tickets["resolution_minutes"] / 60.0,
            "first_response_hours": tickets["first_response_minutes"] / 60.0,
            "reopened_count": tickets["reopened_count"].astype("float64"),
            "is_escalated": tickets["is_escalated"].astype("float64"),
        }
    )
    for column in CATEGORICAL_FEATURES:
        frame[column] = tickets[column].astype("object").where(tickets[column].notna(), "unknown")
    return frame


def build_pipeline(seed: int = 0) -> Pipeline:
    encode = ColumnTransformer(
        [
            (
                "categories",
                OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                CATEGORICAL_FEATURES,
            ),
            ("numbers", "passthrough", NUMERIC_FEATURES),
        ]
    )
    # Gradient boosting handles the missing resolution times natively and the non-linear
    # "CSAT falls off a cliff after a day" shape that a linear model would miss.
    regressor = HistGradientBoostingRegressor(
        max_iter=200,
        learning_rate=0.1,
        categorical_features=list(range(len(CATEGORICAL_FEATURES))),
        random_state=seed,
    )
    return Pipeline([("encode", encode), ("model", regressor)])


def fit_satisfaction_model(
    tickets: pd.DataFrame, seed: int = 0
) -> tuple[Pipeline, SatisfactionDrivers]:
    """Fit on rated tickets, score on a held-out 25%, rank drivers by permutation importance."""
    rated = tickets[tickets[TARGET].notna()]
    if len(rated) < MIN_TRAINING_ROWS:
        raise ValueError(
            f"only {len(rated)} tickets carry a satisfaction_score; "
            f"the drivers model needs at least {MIN_TRAINING_ROWS}"
        )
    features = prepare_features(rated)
    target = rated[TARGET].astype("float64")
    x_train, x_test, y_train, y_test = train_test_split(
        features, target, test_size=0.25, random_state=seed
    )
    pipeline = build_pipeline(seed).fit(x_train, y_train)
    predicted = pipeline.predict(x_test)
    importance = permutation_importance(
        pipeline, x_test, y_test, n_repeats=5, random_state=seed, scoring="r2"
    )
    importances = dict(
        sorted(
            zip(features.columns, importance.importances_mean.round(4).tolist(), strict=True),
            key=lambda item: -item[1],
        )
    )
    drivers = SatisfactionDrivers(
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
        training_rows=len(x_train),
        mean_absolute_error=round(float(mean_absolute_error(y_test, predicted)), 4),
        baseline_mean_absolute_error=round(
            float(mean_absolute_error(y_test, np.full(len(y_test), y_train.mean()))), 4
        ),
        r2=round(float(r2_score(y_test, predicted)), 4),
        importances=importances,
    )
    return pipeline, drivers


def save_satisfaction_model(
    pipeline: Pipeline, drivers: SatisfactionDrivers, models_dir: Path, training_rows: pd.DataFrame
) -> str:
    """Register the fit as a new version of the `satisfaction` task and make it current;
    returns the version."""
    version = registry.new_version(REGISTRY_TASK, registry.data_hash(training_rows), models_dir)
    metadata = {
        "task": REGISTRY_TASK,
        "model_family": "hist_gradient_boosting_regressor",
        "features": NUMERIC_FEATURES + CATEGORICAL_FEATURES,
        "drivers": asdict(drivers),
    }
    registry.save_model(models_dir, REGISTRY_TASK, version, pipeline, metadata)
    registry.set_current(models_dir, REGISTRY_TASK, version)
    return version


def load_satisfaction_drivers(models_dir: Path) -> SatisfactionDrivers | None:
    """The drivers of the current satisfaction model; None before the first fit."""
    if registry.current_version(models_dir, REGISTRY_TASK) is None:
        return None
    model = registry.load_model(models_dir, REGISTRY_TASK)
    return SatisfactionDrivers(**model.metadata["drivers"])
