"""The classifiers compared for each task, and how a fitted one explains its predictions.

Baselines are the plain textbook models (multinomial naive Bayes for category, logistic
regression for priority); the search also tries a linear SVM and SGD on the same features and
keeps whichever has the best cross-validated macro-F1. Linear models and naive Bayes both give
a per-class weight per feature, which is where "top terms" and "reasons" come from.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from ml.candidates import (
    AVERAGED_ENSEMBLE,
    FINE_TUNED_TRANSFORMER,
    HIST_GRADIENT_BOOSTING,
    AveragedClassifier,
    ReducedBoosting,
    TransformerClassifier,
)
from ml.features import feature_names

NAIVE_BAYES = "naive_bayes"
LOGISTIC_REGRESSION = "logistic_regression"
LINEAR_SVM = "linear_svm"
SGD = "sgd_modified_huber"
MAJORITY = "majority_class"

# Which family is the task's baseline; tasks other than priority are category-like.
BASELINE_FAMILY = {"priority": LOGISTIC_REGRESSION}
DEFAULT_BASELINE_FAMILY = NAIVE_BAYES


def baseline_family(task: str) -> str:
    return BASELINE_FAMILY.get(task, DEFAULT_BASELINE_FAMILY)


def make_classifier(family: str, seed: int = 0, **params):
    """A fresh, unfitted classifier of `family` with the house defaults."""
    if family == NAIVE_BAYES:
        return MultinomialNB(**{"alpha": 1.0, **params})
    if family == LOGISTIC_REGRESSION:
        # sag reaches lbfgs's macro-F1 on TF-IDF matrices in a fraction of the time; 50 epochs
        # is where macro-F1 stops moving, so the convergence warning there is expected.
        defaults = {
            "C": 1.0,
            "class_weight": "balanced",
            "solver": "sag",
            "max_iter": 50,
            "tol": 1e-3,
            "random_state": seed,
        }
        return LogisticRegression(**{**defaults, **params})
    if family == LINEAR_SVM:
        return LinearSVC(**{"C": 0.1, "class_weight": "balanced", "random_state": seed, **params})
    if family == SGD:
        defaults = {
            "loss": "modified_huber",
            "alpha": 1e-4,
            "class_weight": "balanced",
            "random_state": seed,
        }
        return SGDClassifier(**{**defaults, **params})
    if family == MAJORITY:
        return DummyClassifier(strategy="most_frequent")
    raise ValueError(f"unknown classifier family {family!r}")


def family_of(classifier) -> str:
    """The family name of a (possibly calibrated) classifier instance."""
    if isinstance(classifier, CalibratedClassifierCV):
        classifier = classifier.estimator
    for family, kind in (
        (HIST_GRADIENT_BOOSTING, ReducedBoosting),
        (AVERAGED_ENSEMBLE, AveragedClassifier),
        (FINE_TUNED_TRANSFORMER, TransformerClassifier),
        (NAIVE_BAYES, MultinomialNB),
        (LOGISTIC_REGRESSION, LogisticRegression),
        (LINEAR_SVM, LinearSVC),
        (SGD, SGDClassifier),
        (MAJORITY, DummyClassifier),
    ):
        if isinstance(classifier, kind):
            return family
    return type(classifier).__name__


def search_grid(task: str, seed: int = 0, *, quick: bool = False) -> list[dict]:
    """Parameter grid over the pipeline's `classifier` step (ParameterGrid format).

    The task's baseline at its default parameters and the majority class are in the grid so
    their cross-validated scores come from the same folds as the candidates'.
    """
    if quick:
        return [
            {"classifier": [make_classifier(MAJORITY)]},
            {"classifier": [make_classifier(baseline_family(task), seed)]},
            {"classifier": [make_classifier(LINEAR_SVM, seed)]},
        ]
    return [
        {"classifier": [make_classifier(MAJORITY)]},
        {"classifier": [make_classifier(NAIVE_BAYES)], "classifier__alpha": [1.0, 0.1]},
        {"classifier": [make_classifier(LOGISTIC_REGRESSION, seed)], "classifier__C": [1.0, 10.0]},
        {"classifier": [make_classifier(LINEAR_SVM, seed)], "classifier__C": [0.03, 0.1, 0.3, 1.0]},
        {"classifier": [make_classifier(SGD, seed)], "classifier__alpha": [1e-5, 1e-4]},
    ]


def class_weights(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray]:
    """(classes, weights[n_classes, n_features]): how much each feature pulls toward each class.

    Calibrated models average their fold estimators; naive Bayes uses each class's log
    probability minus the mean over classes, so shared words weigh nothing.
    """
    classifier = pipeline.named_steps["classifier"]
    classes = np.asarray(classifier.classes_)
    estimators = (
        [fold.estimator for fold in classifier.calibrated_classifiers_]
        if isinstance(classifier, CalibratedClassifierCV)
        else [classifier]
    )
    width = len(feature_names(pipeline))
    weights = [_linear_weights(estimator, classes, width) for estimator in estimators]
    matrices = [matrix for matrix in weights if matrix is not None]
    if not matrices:
        return classes, np.zeros((len(classes), width))
    return classes, np.mean(matrices, axis=0)


def _linear_weights(estimator, classes: np.ndarray, width: int) -> np.ndarray | None:
    n_classes = len(classes)
    if isinstance(estimator, AveragedClassifier):
        # The linear members' weights, each on its own columns, averaged like the probabilities.
        total = np.zeros((n_classes, width))
        position = {label: index for index, label in enumerate(classes)}
        for (_, member), columns in zip(
            estimator.fitted_, estimator.member_columns(width), strict=True
        ):
            inner = (
                [fold.estimator for fold in member.calibrated_classifiers_]
                if isinstance(member, CalibratedClassifierCV)
                else [member]
            )
            member_classes = np.asarray(member.classes_)
            weights = [_linear_weights(one, member_classes, len(columns)) for one in inner]
            parts = [part for part in weights if part is not None]
            if not parts:
                continue
            rows = [position[label] for label in member_classes]
            total[np.ix_(np.asarray(rows), columns)] += np.mean(parts, axis=0) / len(
                estimator.fitted_
            )
        return total
    if isinstance(estimator, MultinomialNB):
        log_prob = estimator.feature_log_prob_
        return log_prob - log_prob.mean(axis=0, keepdims=True)
    coef = getattr(estimator, "coef_", None)
    if coef is None:
        return None
    coef = np.asarray(coef)
    if coef.shape[0] == 1 and n_classes == 2:
        # Binary linear models keep one row: it points toward classes_[1].
        return np.vstack([-coef[0], coef[0]])
    return coef


def readable_weights(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray]:
    """class_weights with character n-grams zeroed: ` refu` explains nothing to a reader."""
    classes, weights = class_weights(pipeline)
    names = feature_names(pipeline)
    unreadable = np.char.startswith(names.astype(str), "chars:") | np.char.startswith(
        names.astype(str), "plain_chars:"
    )
    weights = weights.copy()
    weights[:, unreadable] = 0.0
    return classes, weights


def top_features_per_class(pipeline: Pipeline, count: int = 10) -> dict[str, list[str]]:
    """The `count` readable features with the largest weight toward each class."""
    classes, weights = readable_weights(pipeline)
    names = feature_names(pipeline)
    top = {}
    for index, label in enumerate(classes):
        order = np.argsort(-weights[index])[:count]
        top[str(label)] = [str(names[column]) for column in order if weights[index, column] > 0]
    return top


def explain_predictions(
    pipeline: Pipeline,
    features: sparse.csr_matrix,
    predicted: np.ndarray,
    count: int = 3,
    weights: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[str]:
    """Per row: the `count` readable features that pushed hardest toward its predicted class."""
    classes, matrix = weights or readable_weights(pipeline)
    names = feature_names(pipeline)
    class_index = {label: index for index, label in enumerate(classes)}
    features = sparse.csr_matrix(features)
    reasons: list[str] = []
    for row, label in enumerate(predicted):
        start, end = features.indptr[row], features.indptr[row + 1]
        columns = features.indices[start:end]
        contribution = features.data[start:end] * matrix[class_index[label], columns]
        positive = contribution > 0
        columns, contribution = columns[positive], contribution[positive]
        order = np.argsort(-contribution)[:count]
        reasons.append(", ".join(short_feature_name(names[columns[index]]) for index in order))
    return reasons


def short_feature_name(name: str) -> str:
    """`words:refund` -> `refund`; other features keep their prefix (`meta:channel_email`)."""
    prefix, _, rest = name.partition(":")
    return rest if prefix in {"words", "subject", "plain_words"} else name
