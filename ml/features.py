"""Ticket features as one scikit-learn Pipeline: cleaning, TF-IDF, urgency, sentiment, time, meta.

The whole chain (preparation, ColumnTransformer, classifier) is fitted and saved as one object,
so scoring applies exactly the transformations training saw. Every feature is non-negative so
that multinomial naive Bayes can use the same matrix as the linear models.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from ml.text_cleaning import clean_text

TEXT_COLUMNS = ("subject", "message")
CATEGORICAL_COLUMNS = ("channel", "queue", "product_line")
TIMESTAMP_COLUMN = "created_at"
INPUT_COLUMNS = (*TEXT_COLUMNS, *CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN)
MISSING = "(missing)"

URGENCY_PHRASES = (
    "asap",
    "as soon as possible",
    "urgent",
    "urgently",
    "emergency",
    "immediately",
    "right away",
    "critical",
    "system down",
    "is down",
    "are down",
    "outage",
    "not working",
    "stopped working",
    "cannot access",
    "can't access",
    "unable to access",
    "locked out",
    "production",
    "blocker",
    "blocking",
    "deadline",
    "escalate",
    "data loss",
    "lost data",
    "breach",
    "hacked",
    "all users",
    "whole team",
    "top priority",
    "high priority",
    "importance high",
)
_URGENCY = re.compile(
    r"\b(" + "|".join(re.escape(phrase) for phrase in URGENCY_PHRASES) + r")\b", re.IGNORECASE
)
_WORD = re.compile(r"\b[^\W\d_]{3,}\b")
# VADER's cost grows with length; the opening of a message carries its tone.
SENTIMENT_MAX_CHARS = 600


@dataclass(frozen=True)
class FeatureSet:
    """Which optional inputs a data set actually has (columns present with some values)."""

    text: bool = True
    subject: bool = False
    created_at: bool = False
    categorical: tuple[str, ...] = field(default_factory=tuple)

    def describe(self) -> list[str]:
        parts = ["text tf-idf (word + char)", "urgency keywords", "sentiment (VADER)"]
        if self.subject:
            parts.insert(1, "subject tf-idf")
        if self.created_at:
            parts.append("temporal (hour, weekday, age)")
        if self.categorical:
            parts.append("meta: " + ", ".join(self.categorical))
        return parts


def detect_feature_set(frame: pd.DataFrame) -> FeatureSet:
    """Use an optional column only when the training data has values in it."""

    def has_values(column: str) -> bool:
        if column not in frame:
            return False
        values = frame[column].dropna()
        if values.empty:
            return False
        if column == TIMESTAMP_COLUMN:
            return bool(pd.to_datetime(values, errors="coerce", utc=True).notna().any())
        return bool(values.astype(str).str.strip().ne("").any())

    return FeatureSet(
        subject=has_values("subject") and has_values("message"),
        created_at=has_values(TIMESTAMP_COLUMN),
        categorical=tuple(column for column in CATEGORICAL_COLUMNS if has_values(column)),
    )


def ticket_text(subject: str, message: str) -> str:
    """The `text` column every text feature reads: cleaned subject and message, one string."""
    return (subject + "\n" + message).strip()


def category_value(value) -> str:
    """A meta column's value as the encoder sees it: trimmed, lower case, MISSING if empty."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return str(value).strip().lower() or MISSING


class TicketPreparer(TransformerMixin, BaseEstimator):
    """Clean text and normalize meta columns; columns a data set lacks are filled as missing."""

    def fit(self, frame: pd.DataFrame, y=None):
        return self

    def transform(self, frame: pd.DataFrame) -> pd.DataFrame:
        frame = pd.DataFrame(frame).reset_index(drop=True)
        prepared = pd.DataFrame(index=frame.index)
        for column in TEXT_COLUMNS:
            values = frame[column] if column in frame else pd.Series(None, index=frame.index)
            prepared[column] = values.map(clean_text).astype(object)
        prepared["text"] = [
            ticket_text(subject, message)
            for subject, message in zip(prepared["subject"], prepared["message"], strict=True)
        ]
        for column in CATEGORICAL_COLUMNS:
            values = frame[column] if column in frame else pd.Series(None, index=frame.index)
            prepared[column] = values.map(category_value, na_action=None).astype(object)
        timestamps = frame.get(TIMESTAMP_COLUMN)
        prepared[TIMESTAMP_COLUMN] = (
            pd.to_datetime(timestamps, errors="coerce", utc=True).dt.tz_localize(None)
            if timestamps is not None
            else pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
        )
        return prepared

    def get_feature_names_out(self, input_features=None):
        return np.asarray(
            [*TEXT_COLUMNS, "text", *CATEGORICAL_COLUMNS, TIMESTAMP_COLUMN], dtype=object
        )


def _as_texts(values) -> list[str]:
    if isinstance(values, pd.DataFrame):
        values = values.iloc[:, 0]
    return ["" if value is None else str(value) for value in values]


def urgency_row(text: str) -> tuple[float, float, float, float]:
    """Keyword hits (log), any hit, exclamation marks (log), share of shouted words."""
    hits = len(_URGENCY.findall(text))
    words = _WORD.findall(text)
    shouted = sum(1 for word in words if word.isupper())
    # numpy's log1p, not math's: they differ in the last bit, and saved models saw numpy's.
    return (
        float(np.log1p(hits)),
        float(hits > 0),
        float(np.log1p(text.count("!"))),
        shouted / len(words) if words else 0.0,
    )


class UrgencyFeatures(TransformerMixin, BaseEstimator):
    """Urgency cues: keyword hits ("asap", "system down", ...), exclamation marks, shouting."""

    def fit(self, texts, y=None):
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        rows = [urgency_row(text) for text in _as_texts(texts)]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(-1, 4))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(
            ["urgency_keywords", "has_urgency_keyword", "exclamation_marks", "shouting_share"],
            dtype=object,
        )


@lru_cache(maxsize=1)
def _sentiment_analyzer():
    # The lexicon loads once per process and is never pickled into the model file.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment_scores(text: str) -> dict[str, float]:
    """VADER's neg/neu/pos shares and compound score (-1..1) of the opening of `text`."""
    return _sentiment_analyzer().polarity_scores(text[:SENTIMENT_MAX_CHARS])


def sentiment_row(text: str) -> tuple[float, float, float, float]:
    """negative, neutral, positive shares and the compound score moved to 0..1 (empty: neutral)."""
    if not text:
        return (0.0, 1.0, 0.0, 0.5)
    scores = sentiment_scores(text)
    return (scores["neg"], scores["neu"], scores["pos"], (scores["compound"] + 1) / 2)


class SentimentFeatures(TransformerMixin, BaseEstimator):
    """VADER sentiment: negative, neutral, positive shares and the compound score moved to 0..1."""

    def fit(self, texts, y=None):
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        rows = [sentiment_row(text) for text in _as_texts(texts)]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(-1, 4))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(
            ["sentiment_negative", "sentiment_neutral", "sentiment_positive", "sentiment_compound"],
            dtype=object,
        )


def temporal_matrix(
    hours: np.ndarray, weekday: np.ndarray, age_days: np.ndarray | None, missing: np.ndarray
) -> np.ndarray:
    """TemporalFeatures' columns from each row's hour (0-24, fractional), weekday (0 = Monday,
    -1 unknown), age in days before the reference (None: no reference) and missing flag."""
    angle = 2 * np.pi * hours / 24
    columns = [(np.sin(angle) + 1) / 2, (np.cos(angle) + 1) / 2]
    columns += [(weekday == day).astype(float) for day in range(7)]
    columns.append((weekday >= 5).astype(float))
    columns.append(((hours < 8) | (hours >= 18)).astype(float))
    if age_days is not None:
        columns.append(np.log1p(np.clip(np.nan_to_num(age_days), 0, None)))
    else:
        columns.append(np.zeros(len(hours)))
    matrix = np.column_stack(columns).reshape(len(hours), -1)
    matrix[missing] = 0.0
    return np.column_stack([matrix, missing.astype(float)])


class TemporalFeatures(TransformerMixin, BaseEstimator):
    """Hour of day (cyclic), weekday, off-hours, and age relative to the newest training ticket."""

    def fit(self, frame, y=None):
        timestamps = self._timestamps(frame)
        newest = timestamps.max()
        self.reference_ = None if pd.isna(newest) else pd.Timestamp(newest)
        return self

    @staticmethod
    def _timestamps(frame) -> pd.Series:
        values = frame.iloc[:, 0] if isinstance(frame, pd.DataFrame) else pd.Series(frame)
        return pd.to_datetime(values, errors="coerce", utc=True).dt.tz_localize(None)

    def transform(self, frame) -> sparse.csr_matrix:
        timestamps = self._timestamps(frame).reset_index(drop=True)
        missing = timestamps.isna().to_numpy()
        hours = (timestamps.dt.hour.fillna(0) + timestamps.dt.minute.fillna(0) / 60).to_numpy()
        weekday = timestamps.dt.weekday.fillna(-1).astype(int).to_numpy()
        age_days = None
        if self.reference_ is not None:
            age_days = (self.reference_ - timestamps).dt.total_seconds().to_numpy() / 86400
        return sparse.csr_matrix(temporal_matrix(hours, weekday, age_days, missing))

    def get_feature_names_out(self, input_features=None):
        days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
        names = ["hour_sin", "hour_cos", *(f"weekday_{day}" for day in days)]
        names += ["is_weekend", "is_off_hours", "age_log_days", "created_at_missing"]
        return np.asarray(names, dtype=object)


def build_features(feature_set: FeatureSet, *, training_rows: int) -> ColumnTransformer:
    """The ColumnTransformer for the inputs a data set has; tiny sets keep rare terms."""
    min_df = 2 if training_rows >= 200 else 1
    transformers: list[tuple[str, Any, str | list[str]]] = [
        (
            "words",
            TfidfVectorizer(
                ngram_range=(1, 2),
                sublinear_tf=True,
                min_df=min_df,
                max_df=0.9,
                max_features=100_000,
                strip_accents="unicode",
            ),
            "text",
        ),
        (
            "chars",
            TfidfVectorizer(
                analyzer="char_wb",
                # 3-5: as accurate as 2-5 on real tickets at a third of the cost.
                ngram_range=(3, 5),
                sublinear_tf=True,
                min_df=min_df,
                max_features=50_000,
                strip_accents="unicode",
            ),
            "text",
        ),
        ("urgency", UrgencyFeatures(), "text"),
        ("sentiment", SentimentFeatures(), "text"),
    ]
    if feature_set.subject:
        transformers.insert(
            1,
            (
                "subject",
                TfidfVectorizer(sublinear_tf=True, min_df=min_df, strip_accents="unicode"),
                "subject",
            ),
        )
    if feature_set.created_at:
        transformers.append(("temporal", TemporalFeatures(), [TIMESTAMP_COLUMN]))
    if feature_set.categorical:
        transformers.append(
            (
                "meta",
                OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5),
                list(feature_set.categorical),
            )
        )
    # Dense cues weigh less than the text: at full weight they cost 0.01 macro-F1 on real
    # tickets (it_service_topic), at a quarter they add without drowning the words.
    weights = {"urgency": 0.25, "sentiment": 0.25, "temporal": 0.5, "meta": 0.5}
    return ColumnTransformer(transformers, sparse_threshold=1.0, transformer_weights=weights)


def build_pipeline(
    feature_set: FeatureSet, classifier, *, training_rows: int, features=None
) -> Pipeline:
    """prepare -> features -> classifier, saved and loaded as one object.

    `features` may be an already fitted ColumnTransformer, so that several classifiers
    trained on one feature matrix each become a complete pipeline.
    """
    return Pipeline(
        [
            ("prepare", TicketPreparer()),
            ("features", features or build_features(feature_set, training_rows=training_rows)),
            ("classifier", classifier),
        ]
    )


def feature_names(pipeline: Pipeline) -> np.ndarray:
    """Readable feature names (`words:refund`, `meta:channel_email`) of a fitted pipeline."""
    names = pipeline.named_steps["features"].get_feature_names_out()
    return np.asarray([name.replace("__", ":", 1) for name in names], dtype=object)
