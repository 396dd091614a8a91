"""The satisfaction-drivers model finds the driver that really moves CSAT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import registry
from ml.satisfaction import (
    fit_satisfaction_model,
    load_satisfaction_drivers,
    prepare_features,
    save_satisfaction_model,
)


def rated_tickets(rows: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    resolution = rng.gamma(2.0, 600.0, rows)
    # CSAT falls with resolution time and nothing else: the model must rank that first.
    csat = np.clip(np.round(5 - resolution / 900 + rng.normal(0, 0.4, rows)), 1, 5)
    return pd.DataFrame(
        {
            "resolution_minutes": resolution,
            "first_response_minutes": rng.gamma(2.0, 30.0, rows),
            "reopened_count": rng.integers(0, 2, rows),
            "is_escalated": rng.random(rows) < 0.1,
            "priority": rng.choice(["High", "Low"], rows),
            "category": rng.choice(["Billing", "Technical"], rows),
            "channel": rng.choice(["Email", None], rows),
            "queue": "General",
            "satisfaction_score": csat,
        }
    )


def test_resolution_time_is_the_top_driver_and_beats_the_mean(tmp_path):
    pipeline, drivers = fit_satisfaction_model(rated_tickets())
    assert next(iter(drivers.importances)) == "resolution_hours"
    assert drivers.mean_absolute_error < drivers.baseline_mean_absolute_error
    assert load_satisfaction_drivers(tmp_path) is None  # nothing registered yet


def test_fits_go_through_the_registry_and_roll_back_like_classifiers(tmp_path):
    tickets = rated_tickets()
    first = save_satisfaction_model(*fit_satisfaction_model(tickets), tmp_path, tickets)
    pipeline, drivers = fit_satisfaction_model(tickets, seed=1)
    second = save_satisfaction_model(pipeline, drivers, tmp_path, tickets)

    assert first != second and registry.list_versions(tmp_path, "satisfaction") == sorted(
        [first, second]
    )
    assert registry.current_version(tmp_path, "satisfaction") == second
    assert load_satisfaction_drivers(tmp_path) == drivers
    model = registry.load_model(tmp_path, "satisfaction")
    assert model.load_pipeline().predict(prepare_features(tickets.head(3))).shape == (3,)

    registry.rollback(tmp_path, "satisfaction")
    assert registry.current_version(tmp_path, "satisfaction") == first
    assert load_satisfaction_drivers(tmp_path) != drivers


def test_too_few_ratings_is_a_clear_error():
    with pytest.raises(ValueError, match="only 10 tickets carry a satisfaction_score"):
        fit_satisfaction_model(rated_tickets().head(10))
