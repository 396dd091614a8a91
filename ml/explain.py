"""Reasons for models without per-feature weights: leave-one-feature-out contributions.

For each row, each of its strongest readable features (the largest values in the row) is
removed in turn, and the drop in the predicted class's probability is that feature's
contribution; the largest drops are the reasons. All perturbed rows go through the model in
one batch. A prediction no single removal moves names the row's strongest readable features.
Linear models keep their exact coefficient reasons (ml.classifiers).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ml.classifiers import explain_predictions, readable_weights, short_feature_name
from ml.features import feature_names

CANDIDATES_PER_ROW = 12  # features tried per row: cost grows linearly with it


def has_weights(weights: tuple[np.ndarray, np.ndarray]) -> bool:
    return bool(np.any(weights[1]))


def readable_columns(pipeline) -> np.ndarray:
    """Mask of features a reader understands (character n-grams are not)."""
    names = feature_names(pipeline).astype(str)
    return ~(np.char.startswith(names, "chars:") | np.char.startswith(names, "plain_chars:"))


def occlusion_contributions(
    predict_proba,
    matrix: sparse.csr_matrix,
    class_index: np.ndarray,
    readable: np.ndarray,
    probabilities: np.ndarray | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per row: (readable columns tried, strongest value first; the predicted class's
    probability drop when each is zeroed). `predict_proba` maps a feature matrix to
    probabilities, so any fitted classifier (or its compiled form) can be explained;
    `probabilities`, when the caller has them, saves predicting the unperturbed rows again."""
    matrix = sparse.csr_matrix(matrix)
    class_index = np.asarray(class_index)
    if probabilities is None:
        probabilities = predict_proba(matrix)
    base = probabilities[np.arange(matrix.shape[0]), class_index]
    tried: list[np.ndarray] = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        columns, values = matrix.indices[start:end], matrix.data[start:end]
        keep = readable[columns]
        columns, values = columns[keep], values[keep]
        tried.append(columns[np.argsort(-values, kind="stable")[:CANDIDATES_PER_ROW]])
    if not sum(len(columns) for columns in tried):
        return [(columns, np.zeros(0)) for columns in tried]
    owners = np.repeat(np.arange(matrix.shape[0]), [len(columns) for columns in tried])
    # One copy of its row per feature tried, with that feature zeroed; one batch for all.
    perturbed = matrix[owners].tocsr()
    removed = np.repeat(np.concatenate(tried), np.diff(perturbed.indptr))
    perturbed.data = np.where(perturbed.indices == removed, 0.0, perturbed.data)
    after = predict_proba(perturbed)[np.arange(len(owners)), class_index[owners]]
    drops = base[owners] - after
    contributions, offset = [], 0
    for columns in tried:
        contributions.append((columns, drops[offset : offset + len(columns)]))
        offset += len(columns)
    return contributions


def occlusion_reasons(
    pipeline, matrix: sparse.csr_matrix, predicted: np.ndarray, count: int = 3
) -> list[str]:
    """Per row: the `count` readable features whose removal lowers its prediction most."""
    classifier = pipeline.named_steps["classifier"]
    names = feature_names(pipeline)
    classes = list(classifier.classes_)
    class_index = np.asarray([classes.index(label) for label in predicted])
    contributions = occlusion_contributions(
        classifier.predict_proba, matrix, class_index, readable_columns(pipeline)
    )
    reasons = []
    for columns, drops in contributions:
        order = [index for index in np.argsort(-drops, kind="stable")[:count] if drops[index] > 0]
        if not order:
            # No single removal moves a saturated prediction: name the row's strongest
            # readable features (tried in that order) instead of nothing.
            order = list(range(min(count, len(columns))))
        reasons.append(", ".join(short_feature_name(names[columns[index]]) for index in order))
    return reasons


def explain_rows(
    pipeline,
    matrix: sparse.csr_matrix,
    predicted: np.ndarray,
    count: int = 3,
    weights: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[str]:
    """Coefficient reasons where the model has weights, leave-one-out contributions otherwise."""
    weights = weights if weights is not None else readable_weights(pipeline)
    if has_weights(weights):
        return explain_predictions(pipeline, matrix, predicted, count, weights=weights)
    return occlusion_reasons(pipeline, matrix, predicted, count)
