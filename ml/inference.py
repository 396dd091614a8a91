"""One inference path for every caller: the API, `supportlake predict` and `supportlake score`.

A saved model is one scikit-learn Pipeline (prepare -> ColumnTransformer -> classifier). Run as
is on one ticket it spends most of its time in pandas and input checks (about 100 ms a ticket),
so each pipeline is also *compiled* over its fitted parts with the public row functions of
ml.features: the same vocabularies, idf weights, encoder categories, coefficients and sigmoid
calibrators, with the text analysed once and shared by both tasks. A compiled part is used only
after it reproduced the pipeline on probe tickets; a part the compiler does not know (a new
transformer, a gradient-boosted or transformer classifier) runs as the fitted object itself.

Every prediction carries its top REASON_COUNT reasons whatever family won: coefficient
contributions for linear models (fast path), leave-one-feature-out probability drops otherwise
(ml.explain). Tasks are predicted in TASKS order, the order of ml.ticket_predictions' columns.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit
from sklearn.calibration import CalibratedClassifierCV, _SigmoidCalibration, _TemperatureScaling
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import OneHotEncoder
from sklearn.svm import LinearSVC

from ml import registry
from ml.classifiers import readable_weights, short_feature_name
from ml.explain import has_weights, occlusion_contributions, readable_columns
from ml.features import (
    CATEGORICAL_COLUMNS,
    SentimentFeatures,
    TemporalFeatures,
    TicketPreparer,
    UrgencyFeatures,
    category_value,
    feature_names,
    sentiment_row,
    temporal_matrix,
    ticket_text,
    urgency_row,
)
from ml.text_cleaning import clean_text

logger = logging.getLogger("supportlake.inference")

# Category first: the order of ml.ticket_predictions' and `predict`'s columns.
TASKS = ("category", "priority")
# Three reasons: they carry most of a prediction's weight and still read as one short line in
# a CSV cell; the fourth and fifth added little a reader acts on.
REASON_COUNT = 3
# Compiled features and probabilities must match the pipeline's to this tolerance.
EQUIVALENCE_TOLERANCE = 1e-8
TICKET_FIELDS = ("subject", "message", *CATEGORICAL_COLUMNS, "created_at")


class ModelUnavailable(RuntimeError):
    """No current model for any task: nothing can be predicted until one is trained."""


@dataclass(frozen=True)
class Reason:
    feature: str  # `refund`, `urgency_keywords`, `meta:channel_email`
    weight: float  # how much the feature pushed toward the predicted class


@dataclass(frozen=True)
class TaskPrediction:
    label: str
    confidence: float
    probabilities: dict[str, float]
    reasons: list[Reason]
    model_version: str
    routable: bool  # confidence clears the model's 90%-precision routing threshold


def routing_threshold(metadata: dict | None) -> float | None:
    """The confidence at which a model's holdout predictions were 90% precise (None: never).

    Models trained before routing was measured have none: nothing is routed automatically.
    """
    routing = (metadata or {}).get("routing") or {}
    return routing.get("threshold")


def is_routable(confidence, threshold: float | None):
    """Whether each confidence clears the routing threshold (all False without one)."""
    confidence = np.asarray(confidence, dtype=float)
    if threshold is None:
        return np.zeros(confidence.shape, dtype=bool)
    return confidence >= threshold


# --- shared preparation ----------------------------------------------------------------------


@dataclass
class PreparedTickets:
    """What TicketPreparer makes of a batch, as lists; caches analysis shared by tasks."""

    subject: list[str]
    message: list[str]
    text: list[str]
    categorical: dict[str, list[str]]
    created_at: list[datetime | None]  # UTC, naive
    frame: Callable[[], pd.DataFrame]  # the pipeline's input frame, for parts run as is
    cache: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.text)

    def column(self, name: str) -> list:
        if name in ("subject", "message", "text"):
            return getattr(self, name)
        if name == "created_at":
            return self.created_at
        return self.categorical[name]


def as_utc_naive(value: datetime | None) -> datetime | None:
    """Timestamps as the models saw them in training: UTC without a zone."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def tickets_frame(tickets: Sequence[Mapping]) -> pd.DataFrame:
    """A batch of ticket dicts as the pipeline's input frame (the general path's input)."""
    rows = [
        {
            **{name: ticket.get(name) for name in TICKET_FIELDS},
            "created_at": as_utc_naive(ticket.get("created_at")),
        }
        for ticket in tickets
    ]
    return pd.DataFrame(rows, columns=list(TICKET_FIELDS))


def _once(make: Callable[[], pd.DataFrame]) -> Callable[[], pd.DataFrame]:
    made: list[pd.DataFrame] = []

    def frame() -> pd.DataFrame:
        if not made:
            made.append(make())
        return made[0]

    return frame


def prepare_tickets(tickets: Sequence[Mapping]) -> PreparedTickets:
    """Ticket dicts (the API's requests) prepared with ml.features' row rules, no pandas."""
    subjects = [clean_text(ticket.get("subject")) for ticket in tickets]
    messages = [clean_text(ticket.get("message")) for ticket in tickets]
    texts = [ticket_text(s, m) for s, m in zip(subjects, messages, strict=True)]
    categorical = {
        column: [category_value(ticket.get(column)) for ticket in tickets]
        for column in CATEGORICAL_COLUMNS
    }
    created = [as_utc_naive(ticket.get("created_at")) for ticket in tickets]
    return PreparedTickets(
        subjects, messages, texts, categorical, created, _once(lambda: tickets_frame(tickets))
    )


def prepare_frame(frame: pd.DataFrame) -> PreparedTickets:
    """A batch frame (`predict`, `score`) prepared by the pipeline's own TicketPreparer."""
    frame = frame.reset_index(drop=True)
    prepared = TicketPreparer().transform(frame)
    stamps = prepared["created_at"].astype(object)
    created = [None if pd.isna(stamp) else stamp.to_pydatetime() for stamp in stamps]
    return PreparedTickets(
        prepared["subject"].tolist(),
        prepared["message"].tolist(),
        prepared["text"].tolist(),
        {column: prepared[column].tolist() for column in CATEGORICAL_COLUMNS},
        created,
        lambda: frame,
    )


# --- compiled feature blocks -----------------------------------------------------------------

# A block yields its non-zeros as (rows, columns, values), columns counted from 0 within it;
# building one sparse matrix per task at the end costs less than one per block.
Triplets = tuple[np.ndarray, np.ndarray, np.ndarray]
Block = Callable[[PreparedTickets], Triplets]


def _single_column(columns) -> str | None:
    if isinstance(columns, str):
        return columns
    if isinstance(columns, list | tuple) and len(columns) == 1 and isinstance(columns[0], str):
        return columns[0]
    return None


def _analyzer_key(vectorizer) -> tuple:
    """Vectorizers with equal analysis settings share their tokens (both tasks' `words`)."""
    if callable(vectorizer.analyzer) or vectorizer.preprocessor or vectorizer.tokenizer:
        return ("own", id(vectorizer))
    stop_words = vectorizer.stop_words
    if isinstance(stop_words, list | set | frozenset):
        stop_words = tuple(sorted(stop_words))
    return (
        vectorizer.analyzer,
        tuple(vectorizer.ngram_range),
        vectorizer.lowercase,
        vectorizer.strip_accents,
        vectorizer.token_pattern,
        stop_words,
        vectorizer.input,
        vectorizer.encoding,
        vectorizer.decode_error,
    )


# Words whose character n-gram columns are kept per vectorizer; a full cache is emptied, so
# memory stays bounded whatever callers send.
WORD_CACHE_LIMIT = 200_000


def _char_wb_counter(vectorizer, column: str):
    """Column counts of a `char_wb` vectorizer, word by word from a cache.

    char_wb n-grams never cross a word (sklearn pads each whitespace-separated word with one
    space and cuts its n-grams inside), so a text's n-gram counts are the sum of its words'.
    The n-grams of a word and their columns are computed once; a text then costs one cached
    lookup per word instead of a dozen string slices and hashes."""
    preprocess = vectorizer.build_preprocessor()
    vocabulary = vectorizer.vocabulary_
    min_n, max_n = vectorizer.ngram_range
    cache: dict[str, tuple[int, ...]] = {}
    split_key = ("char_wb words", vectorizer.strip_accents, vectorizer.lowercase, column)

    def word_columns(word: str) -> tuple[int, ...]:
        padded = " " + word + " "
        grams = []
        for n in range(min_n, max_n + 1):  # sklearn's _char_wb_ngrams, for one word
            offset = 0
            grams.append(padded[offset : offset + n])
            while offset + n < len(padded):
                offset += 1
                grams.append(padded[offset : offset + n])
            if offset == 0:
                break
        return tuple(index for index in map(vocabulary.get, grams) if index is not None)

    def documents(prepared: PreparedTickets) -> list[tuple[list[int], list[int]]]:
        split = prepared.cache.get(split_key)
        if split is None:
            split = [preprocess(text).split() for text in prepared.column(column)]
            prepared.cache[split_key] = split
        found = []
        for words in split:
            columns: list[int] = []
            for word in words:
                known = cache.get(word)
                if known is None:
                    if len(cache) >= WORD_CACHE_LIMIT:
                        cache.clear()
                    known = cache[word] = word_columns(word)
                columns.extend(known)
            counted = Counter(columns)
            found.append((list(counted), list(counted.values())))
        return found

    return documents


def _token_counter(vectorizer, column: str):
    """Column counts of any other vectorizer: its own analyzer, tokens looked up per text."""
    analyze = vectorizer.build_analyzer()
    vocabulary = vectorizer.vocabulary_
    key = ("tokens", _analyzer_key(vectorizer), column)

    def documents(prepared: PreparedTickets) -> list[tuple[list[int], list[int]]]:
        tokens = prepared.cache.get(key)
        if tokens is None:
            # Counter counts in C; vectorizers with equal analysis share the tokens.
            tokens = [Counter(analyze(text)) for text in prepared.column(column)]
            prepared.cache[key] = tokens
        # map() with dict.get runs the lookups in C; unknown tokens come back as -1.
        return [(list(map(vocabulary.get, d, repeat(-1))), list(d.values())) for d in tokens]

    return documents


def _compile_tfidf(vectorizer, column: str) -> tuple[Block, int] | None:
    if vectorizer.input != "content" or vectorizer.norm not in ("l2", None):
        return None
    if vectorizer.analyzer == "char_wb" and vectorizer.preprocessor is None:
        count_columns = _char_wb_counter(vectorizer, column)
    else:
        count_columns = _token_counter(vectorizer, column)
    idf = vectorizer.idf_ if vectorizer.use_idf else None
    width = len(vectorizer.vocabulary_)

    def block(prepared: PreparedTickets) -> Triplets:
        documents = count_columns(prepared)
        indices: list[int] = []
        counts: list[int] = []
        for document_columns, document_counts in documents:
            indices.extend(document_columns)
            counts.extend(document_counts)
        columns = np.asarray(indices, dtype=np.int64)
        rows = np.repeat(np.arange(len(documents)), [len(d[0]) for d in documents])
        known = columns >= 0  # the token path marks unknown tokens -1
        columns, rows = columns[known], rows[known]
        data = np.asarray(counts, dtype=np.float64)[known]
        if vectorizer.binary:
            data.fill(1.0)
        if vectorizer.sublinear_tf:
            data = np.log(data) + 1.0
        if idf is not None:
            data *= idf[columns]
        if vectorizer.norm == "l2":
            norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(documents)))
            norms[norms == 0.0] = 1.0
            data /= norms[rows]
        return rows, columns, data

    return block, width


def _dense_triplets(matrix: np.ndarray) -> Triplets:
    rows, columns = np.nonzero(matrix)
    return rows, columns, matrix[rows, columns]


_ROW_FUNCTIONS = {UrgencyFeatures: urgency_row, SentimentFeatures: sentiment_row}


def _compile_stateless(transformer, column: str) -> tuple[Block, int]:
    """Urgency and sentiment keep no fitted state: compute once per batch for both tasks."""
    key = ("stateless", type(transformer).__name__, column)
    width = len(transformer.get_feature_names_out())
    row_of = _ROW_FUNCTIONS[type(transformer)]

    def block(prepared: PreparedTickets) -> Triplets:
        triplets = prepared.cache.get(key)
        if triplets is None:
            rows = [row_of(text) for text in prepared.column(column)]
            matrix = np.asarray(rows, dtype=np.float64).reshape(len(prepared), width)
            triplets = _dense_triplets(matrix)
            prepared.cache[key] = triplets
        return triplets

    return block, width


_EPOCH = datetime(1970, 1, 1)


def _compile_temporal(transformer: TemporalFeatures, column: str) -> tuple[Block, int]:
    reference = getattr(transformer, "reference_", None)
    reference_seconds = None if reference is None else pd.Timestamp(reference).value / 1e9

    def block(prepared: PreparedTickets) -> Triplets:
        stamps = prepared.column(column)
        missing = np.array([stamp is None for stamp in stamps], dtype=bool)
        hours = np.array([0.0 if s is None else s.hour + s.minute / 60 for s in stamps])
        weekday = np.array([-1 if s is None else s.weekday() for s in stamps])
        age_days = None
        if reference_seconds is not None:
            seconds = np.array([0.0 if s is None else (s - _EPOCH).total_seconds() for s in stamps])
            age_days = (reference_seconds - seconds) / 86400
        return _dense_triplets(temporal_matrix(hours, weekday, age_days, missing))

    return block, len(transformer.get_feature_names_out())


def _compile_one_hot(encoder, columns) -> tuple[Block, int] | None:
    if (
        encoder.drop is not None
        or not encoder.sparse_output
        or encoder.handle_unknown not in ("ignore", "infrequent_if_exist")
        or not all(column in CATEGORICAL_COLUMNS for column in columns)
    ):
        return None
    names = list(encoder.get_feature_names_out(list(columns)))
    position = {name: index for index, name in enumerate(names)}
    lookups = []
    for column in columns:
        known = {
            name[len(column) + 1 :]: index
            for name, index in position.items()
            if name.startswith(f"{column}_")
        }
        fallback = known.pop("infrequent_sklearn", None)
        if encoder.handle_unknown == "ignore":
            fallback = None
        lookups.append((column, known, fallback))
    width = len(names)

    def block(prepared: PreparedTickets) -> Triplets:
        rows, cols = [], []
        for column, known, fallback in lookups:
            for row, value in enumerate(prepared.column(column)):
                index = known.get(value, fallback)
                if index is not None:
                    rows.append(row)
                    cols.append(index)
        return (
            np.asarray(rows, dtype=np.int64),
            np.asarray(cols, dtype=np.int64),
            np.ones(len(rows)),
        )

    return block, width


def _compile_block(transformer, columns) -> tuple[Block, int] | None:
    column = _single_column(columns)
    if isinstance(transformer, TfidfVectorizer) and column:
        return _compile_tfidf(transformer, column)
    if type(transformer) in _ROW_FUNCTIONS and column:
        return _compile_stateless(transformer, column)
    if isinstance(transformer, TemporalFeatures) and column == "created_at":
        return _compile_temporal(transformer, column)
    if isinstance(transformer, OneHotEncoder):
        return _compile_one_hot(transformer, list(columns))
    return None


def compile_features(pipeline) -> Callable[[PreparedTickets], sparse.csr_matrix] | None:
    """The pipeline's prepare + ColumnTransformer steps as one function, or None."""
    steps = dict(pipeline.steps)
    if list(steps) != ["prepare", "features", "classifier"]:
        return None
    if type(steps["prepare"]) is not TicketPreparer:
        return None
    transformer = steps["features"]
    weights = transformer.transformer_weights or {}
    blocks: list[tuple[Block, int, float]] = []
    width = 0
    for name, part, columns in transformer.transformers_:
        if part == "drop":
            continue
        if part == "passthrough":
            return None
        compiled = _compile_block(part, columns)
        if compiled is None:
            return None
        blocks.append((compiled[0], width, float(weights.get(name, 1.0))))
        width += compiled[1]

    def features(prepared: PreparedTickets) -> sparse.csr_matrix:
        parts = [block(prepared) for block, _, _ in blocks]
        rows = np.concatenate([part[0] for part in parts])
        columns = np.concatenate(
            [part[1] + offset for part, (_, offset, _) in zip(parts, blocks, strict=True)]
        )
        # ColumnTransformer multiplies each block by its transformer_weights entry.
        values = np.concatenate(
            [
                part[2] * weight if weight != 1.0 else part[2]
                for part, (_, _, weight) in zip(parts, blocks, strict=True)
            ]
        )
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(len(prepared) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(prepared)), out=indptr[1:])
        return sparse.csr_matrix(
            (values[order], columns[order], indptr), shape=(len(prepared), width)
        )

    return features


# --- compiled classifier ---------------------------------------------------------------------


def _linear_response(estimator) -> tuple[np.ndarray, np.ndarray] | None:
    """(weights[n_out, n_features], intercept[n_out]) of a decision_function, if linear."""
    if not isinstance(estimator, LinearSVC | LogisticRegression | SGDClassifier):
        return None
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    intercept = np.broadcast_to(
        np.asarray(estimator.intercept_, dtype=np.float64), coef[:, 0].shape
    )
    return coef, np.array(intercept)


def _sigmoid_fold(fold, classes: np.ndarray, outputs: int):
    """Per-class sigmoids over one-vs-rest decisions, normalized (method="sigmoid")."""
    if not all(isinstance(c, _SigmoidCalibration) for c in fold.calibrators):
        return None
    n_classes = len(classes)
    positions = np.searchsorted(classes, np.asarray(fold.estimator.classes_))
    if n_classes == 2:
        positions = np.array([1])
    elif len(positions) != outputs:
        return None
    slopes = np.array([c.a_ for c in fold.calibrators], dtype=np.float64)
    offsets = np.array([c.b_ for c in fold.calibrators], dtype=np.float64)

    def calibrated(part: np.ndarray) -> np.ndarray:
        proba = np.zeros((part.shape[0], n_classes))
        proba[:, positions] = expit(-(slopes * part + offsets))
        if n_classes == 2:
            proba[:, 0] = 1.0 - proba[:, 1]
            return proba
        denominator = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1 / n_classes)
        return np.divide(proba, denominator, out=uniform, where=denominator != 0)

    return calibrated


def _temperature_fold(fold, classes: np.ndarray, outputs: int):
    """One temperature over all classes' decisions, softmax (method="temperature")."""
    [scaler] = fold.calibrators if len(fold.calibrators) == 1 else [None]
    if not isinstance(scaler, _TemperatureScaling):
        return None
    # The fold's estimator learned either the labels or their indices (sklearn encodes them).
    fitted = list(fold.estimator.classes_)
    if fitted != list(classes) and fitted != list(range(len(classes))):
        return None
    beta = float(scaler.beta_)

    def calibrated(part: np.ndarray) -> np.ndarray:
        if part.shape[1] == 1:
            logits = np.concatenate([-part, part], axis=1)
        elif np.all((part >= 0) & (part <= 1)) and np.all(np.isclose(part.sum(axis=1), 1.0)):
            logits = np.log(part + 1e-12)  # sklearn reads such decisions as probabilities
        else:
            logits = part
        scaled = beta * logits
        scaled = np.exp(scaled - scaled.max(axis=1, keepdims=True))  # scipy's softmax, inline
        return scaled / scaled.sum(axis=1, keepdims=True)

    return calibrated


def compile_classifier(classifier) -> Callable[[sparse.csr_matrix], np.ndarray] | None:
    """Calibrated linear models (sigmoid or temperature) as one matrix product; else None."""
    if not isinstance(classifier, CalibratedClassifierCV):
        return None
    fold_builders = {"sigmoid": _sigmoid_fold, "temperature": _temperature_fold}
    if classifier.method not in fold_builders:
        return None
    classes = np.asarray(classifier.classes_)
    folds = []
    coefficients, intercepts = [], []
    for fold in classifier.calibrated_classifiers_:
        response = _linear_response(fold.estimator)
        if response is None:
            return None
        coef, intercept = response
        calibrated = fold_builders[classifier.method](fold, classes, coef.shape[0])
        if calibrated is None:
            return None
        folds.append((coef.shape[0], calibrated))
        coefficients.append(coef)
        intercepts.append(intercept)
    # Every fold's decision function in one sparse-dense product.
    weights = np.ascontiguousarray(np.vstack(coefficients).T, dtype=np.float64)
    offsets = np.concatenate(intercepts)

    def predict_proba(features: sparse.csr_matrix) -> np.ndarray:
        decisions = np.asarray(features @ weights) + offsets
        total = np.zeros((features.shape[0], len(classes)))
        start = 0
        for outputs, calibrated in folds:
            proba = calibrated(decisions[:, start : start + outputs])
            start += outputs
            proba[(proba > 1.0) & (proba <= 1.0 + 1e-5)] = 1.0
            total += proba
        return total / len(folds)

    return predict_proba


# --- reasons ---------------------------------------------------------------------------------


def _merged_top(names: np.ndarray, columns, values, count: int) -> list[Reason]:
    """The `count` strongest positive features; `refund` in the subject and in the text are
    two features but one reason to a reader, so equal names are merged."""
    merged: dict[str, float] = {}
    for column, value in zip(columns, values, strict=True):
        if value > 0:
            name = names[column]
            merged[name] = merged.get(name, 0.0) + value
    top = sorted(merged.items(), key=lambda item: -item[1])[:count]
    return [Reason(str(name), round(value, 4)) for name, value in top]


def coefficient_reasons(
    names: np.ndarray, weights: np.ndarray, matrix: sparse.csr_matrix, row: int, class_index: int
) -> list[Reason]:
    """Linear models: value x weight toward the predicted class, strongest first."""
    start, end = matrix.indptr[row], matrix.indptr[row + 1]
    columns = matrix.indices[start:end]
    contribution = matrix.data[start:end] * weights[class_index, columns]
    # Merge among the strongest candidates only (a few times more than shown).
    limit = 3 * REASON_COUNT
    if len(contribution) > limit:
        candidates = np.argpartition(-contribution, limit)[:limit]
    else:
        candidates = np.arange(len(contribution))
    return _merged_top(
        names, columns[candidates].tolist(), contribution[candidates].tolist(), REASON_COUNT
    )


# --- one task --------------------------------------------------------------------------------


@dataclass
class TaskModel:
    """One task's model with what every caller needs to predict, explain and report it."""

    task: str
    version: str
    trained_at: str | None
    loaded_at: datetime
    pipeline: Any  # the fitted scikit-learn Pipeline (scikit-learn ships no types)
    classes: np.ndarray
    weights: np.ndarray | None  # readable per-class feature weights; None: not linear
    names: np.ndarray  # short feature names
    readable: np.ndarray  # features a reader understands (not character n-grams)
    features: Callable[[PreparedTickets], sparse.csr_matrix] | None
    classify: Callable[[sparse.csr_matrix], np.ndarray] | None
    routing_threshold: float | None = None  # None: nothing is routed automatically
    compiled_note: str = ""

    @property
    def is_compiled(self) -> bool:
        return self.features is not None

    def _classifier_proba(self, matrix: sparse.csr_matrix) -> np.ndarray:
        if self.classify is not None:
            return self.classify(matrix)
        return self.pipeline.named_steps["classifier"].predict_proba(matrix)

    def probabilities(self, prepared: PreparedTickets) -> tuple[np.ndarray, sparse.csr_matrix]:
        """(probabilities[n, classes], feature matrix) by the compiled or the general path."""
        if self.features is not None:
            matrix = self.features(prepared)
        else:
            matrix = sparse.csr_matrix(self.pipeline[:-1].transform(prepared.frame()))
        return self._classifier_proba(matrix), matrix

    def reasons(
        self, matrix: sparse.csr_matrix, best: np.ndarray, probabilities: np.ndarray | None = None
    ) -> list[list[Reason]]:
        """Each row's top reasons toward its predicted class (index `best[row]`)."""
        if self.weights is not None:
            return [
                coefficient_reasons(self.names, self.weights, matrix, row, int(class_index))
                for row, class_index in enumerate(best)
            ]
        contributions = occlusion_contributions(
            self._classifier_proba, matrix, best, self.readable, probabilities
        )
        reasons = []
        for columns, drops in contributions:
            top = _merged_top(self.names, columns.tolist(), drops.tolist(), REASON_COUNT)
            if not top and len(columns):
                # No single removal moves a saturated prediction: name the row's strongest
                # readable features (tried in that order), with no weight.
                top = [Reason(str(self.names[c]), 0.0) for c in columns[:REASON_COUNT]]
            reasons.append(top)
        return reasons

    def predict(self, prepared: PreparedTickets) -> list[TaskPrediction]:
        probabilities, matrix = self.probabilities(prepared)
        best = probabilities.argmax(axis=1)
        labels = [str(label) for label in self.classes]
        reasons = self.reasons(matrix, best, probabilities)
        predictions = []
        for row, class_index in enumerate(best.tolist()):
            values = probabilities[row]
            confidence = float(values[class_index])
            predictions.append(
                TaskPrediction(
                    label=labels[class_index],
                    confidence=round(confidence, 6),
                    probabilities={
                        label: round(value, 6)
                        for label, value in zip(labels, values.tolist(), strict=True)
                    },
                    reasons=reasons[row],
                    model_version=self.version,
                    routable=bool(is_routable(confidence, self.routing_threshold)),
                )
            )
        return predictions


def probe_tickets(classes: Iterable[str] = ()) -> list[dict]:
    """Tickets that exercise every feature: markup, greetings, missing and unknown values."""
    tickets: list[dict] = [
        {
            "subject": "Refund for a double charge",
            "message": "Hi team,\nI was charged twice this month, refund ASAP!!\n\nThanks,\nAna",
            "channel": "Email",
            "queue": "Billing",
            "product_line": None,
            "created_at": datetime(2025, 1, 6, 9, 30),
        },
        {
            "subject": "",
            "message": "<p>The app is DOWN for all users.</p><br>Production is blocked, urgent",
            "channel": " chat ",
            "created_at": datetime(2025, 6, 1, 23, 15, tzinfo=UTC),
        },
        {
            "subject": "Feature idea: dark mode",
            "message": "Could you add dark mode? > quoted old reply\nOn Mon, Bob wrote:\nold",
            "channel": "carrier pigeon",
            "queue": "Unknown Queue",
            "product_line": "Brand New Product",
            "created_at": None,
        },
        {"subject": "?", "message": "", "created_at": datetime(2035, 3, 4, 18, 0)},
    ]
    for label in classes:
        tickets.append({"subject": str(label), "message": f"question about {label} please"})
    return tickets


def _check_equivalence(model: TaskModel) -> str:
    """Empty when the compiled path reproduces the pipeline on the probe tickets."""
    tickets = probe_tickets(model.classes)
    frame = tickets_frame(tickets)
    expected = model.pipeline.predict_proba(frame)
    expected_matrix = sparse.csr_matrix(model.pipeline[:-1].transform(frame))
    got, matrix = model.probabilities(prepare_tickets(tickets))
    if matrix.shape != expected_matrix.shape:
        return f"feature count {matrix.shape[1]} != pipeline's {expected_matrix.shape[1]}"
    difference = abs(matrix - expected_matrix).max() if matrix.nnz or expected_matrix.nnz else 0
    if difference > EQUIVALENCE_TOLERANCE:
        return f"features differ from the pipeline's by up to {difference:.2e}"
    gap = float(np.max(np.abs(got - expected)))
    if gap > EQUIVALENCE_TOLERANCE:
        return f"probabilities differ from the pipeline's by up to {gap:.2e}"
    return ""


def compile_task_model(
    task: str, version: str, pipeline, metadata: dict | None = None
) -> TaskModel:
    """A fitted pipeline as a TaskModel: compiled where the compiler knows every part and the
    compiled path reproduces the pipeline, the fitted parts themselves otherwise."""
    classes, weights = readable_weights(pipeline)
    names = np.asarray([short_feature_name(str(n)) for n in feature_names(pipeline)], dtype=object)
    model = TaskModel(
        task=task,
        version=version,
        trained_at=(metadata or {}).get("trained_at"),
        loaded_at=datetime.now(UTC),
        pipeline=pipeline,
        classes=np.asarray(pipeline.classes_),
        weights=np.asarray(weights, dtype=np.float64) if has_weights((classes, weights)) else None,
        names=names,
        readable=readable_columns(pipeline),
        features=compile_features(pipeline),
        classify=compile_classifier(pipeline.named_steps["classifier"]),
        routing_threshold=routing_threshold(metadata),
    )
    if list(classes) != list(model.classes):
        raise ValueError(f"{task}/{version}: weight classes differ from the model's")
    if model.features is None and model.classify is None:
        model.compiled_note = "pipeline parts not known to the compiler: general path"
    else:
        problem = _check_equivalence(model)
        if problem:
            model.features = model.classify = None
            model.compiled_note = f"compiled path disabled: {problem}"
            logger.warning("%s model %s: %s", task, model.version, model.compiled_note)
        else:
            model.compiled_note = "compiled path matches the pipeline"
    return model


def load_task_model(models_dir: Path, task: str, version: str | None = None) -> TaskModel:
    """One registered model, compiled (see compile_task_model)."""
    registered = registry.load_model(models_dir, task, version)
    return compile_task_model(
        task, registered.version, registered.load_pipeline(), registered.metadata
    )


# --- all tasks -------------------------------------------------------------------------------


@dataclass
class TicketPredictor:
    """The current model of each task that has one; immutable once built (swap to reload)."""

    models: dict[str, TaskModel]
    models_dir: Path

    @property
    def versions(self) -> dict[str, str]:
        return {task: model.version for task, model in self.models.items()}

    def predict_prepared(self, prepared: PreparedTickets) -> list[dict[str, TaskPrediction]]:
        if not self.models:
            raise ModelUnavailable(
                f"no current model under {self.models_dir}: run `supportlake train` first"
            )
        results: list[dict[str, TaskPrediction]] = [{} for _ in range(len(prepared))]
        for task, model in self.models.items():
            for row, prediction in enumerate(model.predict(prepared)):
                results[row][task] = prediction
        return results

    def predict(self, tickets: Sequence[Mapping]) -> list[dict[str, TaskPrediction]]:
        """One dict task -> prediction per ticket, in input order and TASKS order."""
        return self.predict_prepared(prepare_tickets(tickets))


def current_versions(models_dir: Path, tasks: Sequence[str] = TASKS) -> dict[str, str]:
    """task -> version the registry's `current` pointers name now (cheap: small file reads)."""
    versions = {}
    for task in tasks:
        version = registry.current_version(models_dir, task)
        if version:
            versions[task] = version
    return versions


def load_predictor(models_dir: Path, tasks: Sequence[str] = TASKS) -> TicketPredictor:
    """Every task in `tasks` with a current model, in that order; tasks without one are left out."""
    models = {
        task: load_task_model(models_dir, task, version)
        for task, version in current_versions(models_dir, tasks).items()
    }
    return TicketPredictor(models, Path(models_dir))
