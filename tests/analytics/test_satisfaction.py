"""The satisfaction-drivers model finds the driver that really moves CSAT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.satisfaction import (
    fit_satisfaction_model,
    load_satisfaction_drivers,
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
    save_satisfaction_model(pipeline, drivers, tmp_path)
    assert load_satisfaction_drivers(tmp_path) == drivers


def test_too_few_ratings_is_a_clear_error():
    with pytest.raises(ValueError, match="only 10 tickets carry a satisfaction_score"):
        fit_satisfaction_model(rated_tickets().head(10))
