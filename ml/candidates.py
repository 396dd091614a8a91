"""Model families beside the linear grid: the plain baseline, gradient boosting, an average.

- plain_baseline: the ten-line scikit-learn pipeline a data scientist writes first (word 1-2
  and char_wb 2-5 gram TF-IDF, sublinear tf, min_df 2, balanced logistic regression with
  C=10), on the cleaned ticket text. It is a candidate in every search, so the search knows
  when it loses to it.
- hist_gradient_boosting: scikit-learn's HistGradientBoosting over the text reduced by
  TruncatedSVD, plus the dense cues (urgency, sentiment, time, meta) as they are.
- averaged_ensemble: the average of the calibrated probabilities of the two best candidates.
- fine_tuned_transformer: all-MiniLM-L6-v2 fine-tuned with a classification head
  (ml.transformer_classifier), reading the ticket's words in order from the word-sequence view.

All of them run inside the same Pipeline(prepare -> features -> classifier) the registry saves,
so scoring, the API and the reasons treat every winner alike.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from ml.calibration import calibrate
from ml.features import FeatureSet, build_features
from ml.transformer_classifier import TransformerClassifier
from ml.word_sequence import WordPositions

PLAIN_BASELINE = "plain_baseline"
HIST_GRADIENT_BOOSTING = "hist_gradient_boosting"
AVERAGED_ENSEMBLE = "averaged_ensemble"
FINE_TUNED_TRANSFORMER = "fine_tuned_transformer"
ADVANCED_FAMILIES = (HIST_GRADIENT_BOOSTING, AVERAGED_ENSEMBLE, FINE_TUNED_TRANSFORMER)

# The ticket text as TicketPreparer leaves it (markup, quoted replies, greetings and
# signatures removed), so every view runs through the one preparer the API compiles.
TEXT = "text"
PRODUCT_VIEW = "product"  # the house features (ml.features.build_features)
PLAIN_VIEW = "plain"  # the plain baseline's two TF-IDF blocks on the raw text
BOTH_VIEW = "both"
SEQUENCE_VIEW = "sequence"  # the words in order (ml.word_sequence), for the transformer
EARLY_STOPPING_MIN_ROWS = 20  # both side by side, for an average of one model on each
PLAIN_BLOCKS = ("plain_words", "plain_chars")
# Feature blocks that hold text n-grams; every other block is a dense cue.
TEXT_BLOCKS = ("words", "chars", "subject", *PLAIN_BLOCKS)


def plain_transformers() -> list[tuple]:
    return [
        (
            "plain_words",
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TEXT,
        ),
        (
            "plain_chars",
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
            TEXT,
        ),
    ]


def make_plain_classifier(seed: int = 0) -> LogisticRegression:
    return LogisticRegression(C=10.0, class_weight="balanced", max_iter=1000, random_state=seed)


def build_view(view: str, feature_set: FeatureSet, *, training_rows: int) -> ColumnTransformer:
    """The unfitted ColumnTransformer of a feature view."""
    if view == PRODUCT_VIEW:
        return build_features(feature_set, training_rows=training_rows)
    if view == PLAIN_VIEW:
        return ColumnTransformer(plain_transformers(), sparse_threshold=1.0)
    if view == BOTH_VIEW:
        product = build_features(feature_set, training_rows=training_rows)
        return ColumnTransformer(
            [*product.transformers, *plain_transformers()],
            sparse_threshold=1.0,
            transformer_weights=product.transformer_weights,
        )
    if view == SEQUENCE_VIEW:
        # Named `words` so the reasons read like the linear models' (`refund`, not a prefix).
        return ColumnTransformer([("words", WordPositions(), TEXT)], sparse_threshold=1.0)
    raise ValueError(f"unknown feature view {view!r}")


def block_columns(features: ColumnTransformer, blocks) -> np.ndarray:
    """Column indices of the named blocks of a fitted ColumnTransformer."""
    indices = [
        np.arange(part.start, part.stop)
        for name, part in features.output_indices_.items()
        if name in blocks
    ]
    return np.concatenate(indices) if indices else np.zeros(0, dtype=int)


def view_columns(features: ColumnTransformer) -> dict[str, np.ndarray]:
    """{product, plain} -> column indices in a fitted feature matrix (one view or both)."""
    plain = block_columns(features, PLAIN_BLOCKS)
    everything = np.arange(sum(p.stop - p.start for p in features.output_indices_.values()))
    return {PLAIN_VIEW: plain, PRODUCT_VIEW: np.setdiff1d(everything, plain)}


def _aligned(probabilities: np.ndarray, classes, all_classes) -> np.ndarray:
    """Probability columns in the order of `all_classes` (zeros for a class a model lacks)."""
    position = {label: index for index, label in enumerate(all_classes)}
    aligned = np.zeros((probabilities.shape[0], len(all_classes)))
    for column, label in enumerate(classes):
        aligned[:, position[label]] = probabilities[:, column]
    return aligned


class ReducedBoosting(ClassifierMixin, BaseEstimator):
    """TruncatedSVD of the text columns + the dense cues -> HistGradientBoostingClassifier.

    `text_columns` (set from the fitted features, see `configure`) are reduced; the others
    (urgency, sentiment, time, meta) pass through. Balanced class weights, like the grid.
    """

    def __init__(
        self,
        text_columns=None,
        components: int = 100,
        max_iter: int = 150,
        learning_rate: float = 0.1,
        seed: int = 0,
    ):
        self.text_columns = text_columns
        self.components = components
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.seed = seed

    def _split(self, matrix) -> tuple[sparse.csr_matrix, np.ndarray]:
        matrix = sparse.csr_matrix(matrix)
        text = (
            np.arange(matrix.shape[1])
            if self.text_columns is None
            else np.asarray(self.text_columns, dtype=int)
        )
        rest = np.setdiff1d(np.arange(matrix.shape[1]), text)
        return matrix[:, text], matrix[:, rest].toarray()

    def _reduced(self, matrix) -> np.ndarray:
        text, dense = self._split(matrix)
        return np.hstack([self.svd_.transform(text), dense])

    def fit(self, matrix, labels):
        text, dense = self._split(matrix)
        components = max(1, min(self.components, text.shape[1] - 1, text.shape[0] - 1))
        self.svd_ = TruncatedSVD(components, n_iter=3, random_state=self.seed).fit(text)
        reduced = np.hstack([self.svd_.transform(text), dense])
        # Early stopping on a stratified 10% slice needs every label there: only when each
        # has EARLY_STOPPING_MIN_ROWS rows (it cuts the cost several times on a few thousand).
        counts = np.unique(labels, return_counts=True)[1]
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            class_weight="balanced",
            early_stopping=bool(counts.min() >= EARLY_STOPPING_MIN_ROWS),
            validation_fraction=0.1,
            n_iter_no_change=10,
            random_state=self.seed,
        ).fit(reduced, labels)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, matrix) -> np.ndarray:
        return self.model_.predict_proba(self._reduced(matrix))

    def predict(self, matrix) -> np.ndarray:
        return self.classes_[self.predict_proba(matrix).argmax(axis=1)]


class AveragedClassifier(ClassifierMixin, BaseEstimator):
    """Mean of the members' probabilities; each member reads its own view's columns.

    members: [(name, estimator, view)], each fitted here on the columns of `view` (set by
    `configure` from the fitted features) and temperature-calibrated over
    `calibration_folds` folds, so that the probabilities averaged are comparable.
    """

    def __init__(self, members=(), view_columns=None, calibration_folds: int = 3, seed: int = 0):
        self.members = members
        self.view_columns = view_columns
        self.calibration_folds = calibration_folds
        self.seed = seed

    def _columns(self, view: str, width: int) -> np.ndarray:
        if self.view_columns is None:
            return np.arange(width)
        return np.asarray(self.view_columns[view], dtype=int)

    def fit(self, matrix, labels):
        matrix = sparse.csr_matrix(matrix)
        self.classes_ = np.unique(labels)
        self.fitted_ = []
        for name, estimator, view in self.members:
            member = calibrate(clone(estimator), labels, self.calibration_folds, self.seed)
            columns = self._columns(view, matrix.shape[1])
            self.fitted_.append((name, member.fit(matrix[:, columns], labels)))
        return self

    def member_columns(self, width: int) -> list[np.ndarray]:
        return [self._columns(view, width) for _, _, view in self.members]

    def predict_proba(self, matrix) -> np.ndarray:
        matrix = sparse.csr_matrix(matrix)
        total = np.zeros((matrix.shape[0], len(self.classes_)))
        for (_, model), columns in zip(
            self.fitted_, self.member_columns(matrix.shape[1]), strict=True
        ):
            total += _aligned(
                model.predict_proba(matrix[:, columns]), model.classes_, self.classes_
            )
        return total / len(self.fitted_)

    def predict(self, matrix) -> np.ndarray:
        return self.classes_[self.predict_proba(matrix).argmax(axis=1)]


def configure(classifier, features: ColumnTransformer):
    """Tell a classifier (or the one a calibrator wraps) which fitted columns are which."""
    target = getattr(classifier, "estimator", None)
    target = classifier if target is None else target
    if isinstance(target, ReducedBoosting):
        target.set_params(text_columns=block_columns(features, TEXT_BLOCKS))
    elif isinstance(target, TransformerClassifier):
        vocabulary = features.named_transformers_["words"].get_feature_names_out()
        target.set_params(vocabulary=vocabulary)
    elif isinstance(target, AveragedClassifier):
        columns = view_columns(features)
        target.set_params(view_columns=columns)
        for _, member, view in target.members:
            inner = member
            if isinstance(inner, ReducedBoosting):
                # Positions inside the member's own view (the product view comes first).
                text = block_columns(features, TEXT_BLOCKS)
                inner.set_params(text_columns=np.flatnonzero(np.isin(columns[view], text)))
    return classifier
