"""The public row functions of ml.features give what the transformers computed before they
were factored out (the old formulas are written out here), so saved models predict the same."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
import pandas as pd

from ml.features import (
    _URGENCY,
    MISSING,
    TemporalFeatures,
    TicketPreparer,
    urgency_row,
)

_WORD = re.compile(r"\b[^\W\d_]{3,}\b")
ODD_VALUES = [None, np.nan, pd.NA, "", "   ", " Email ", "CHAT", 5, 5.0, True, "naïve Über"]
TEXTS = ["", "URGENT!!! the system is DOWN", "asap asap, can't access", "fine, thanks", "ÉCHEC !"]


def old_category(values: pd.Series) -> list:
    normalized = values.astype("string").str.strip().str.lower()
    return normalized.mask(normalized.isna() | normalized.eq(""), MISSING).astype(object).tolist()


def old_urgency(text: str) -> tuple:
    hits = len(_URGENCY.findall(text))
    words = _WORD.findall(text)
    shouted = sum(1 for word in words if word.isupper())
    return (
        np.log1p(hits),
        float(hits > 0),
        np.log1p(text.count("!")),
        shouted / len(words) if words else 0.0,
    )


def test_meta_values_are_normalized_as_before():
    frame = pd.DataFrame(
        {"subject": "s", "message": "m", "channel": pd.Series(ODD_VALUES, dtype=object)}
    )
    prepared = TicketPreparer().transform(frame)
    assert prepared["channel"].tolist() == old_category(frame["channel"])
    assert prepared["text"].tolist() == ["s\nm"] * len(ODD_VALUES)


def test_urgency_rows_are_the_old_formulas():
    for text in TEXTS:
        assert urgency_row(text) == old_urgency(text)


def test_temporal_columns_are_the_old_formulas():
    stamps = pd.Series(
        [datetime(2025, 1, 6, 9, 30), None, datetime(2025, 6, 1, 23, 15), datetime(2024, 2, 29)]
    )
    features = TemporalFeatures().fit(pd.DataFrame({"created_at": stamps}))
    got = features.transform(pd.DataFrame({"created_at": stamps})).toarray()

    timestamps = pd.to_datetime(stamps, utc=True).dt.tz_localize(None)
    missing = timestamps.isna().to_numpy()
    hours = (timestamps.dt.hour.fillna(0) + timestamps.dt.minute.fillna(0) / 60).to_numpy()
    weekday = timestamps.dt.weekday.fillna(-1).astype(int).to_numpy()
    angle = 2 * np.pi * hours / 24
    columns = [(np.sin(angle) + 1) / 2, (np.cos(angle) + 1) / 2]
    columns += [(weekday == day).astype(float) for day in range(7)]
    columns.append((weekday >= 5).astype(float))
    columns.append(((hours < 8) | (hours >= 18)).astype(float))
    age_days = (features.reference_ - timestamps).dt.total_seconds().to_numpy() / 86400
    columns.append(np.log1p(np.clip(np.nan_to_num(age_days), 0, None)))
    matrix = np.column_stack(columns)
    matrix[missing] = 0.0
    expected = np.column_stack([matrix, missing.astype(float)])

    np.testing.assert_array_equal(got, expected)
