"""Calibrated confidences and the folds they are fitted on, shared by the linear classifiers
(ml.classifiers) and the other model families (ml.candidates)."""

from __future__ import annotations

import numpy as np
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import StratifiedKFold

CALIBRATION_METHOD = "temperature"


def rare_safe_splits(labels, folds: int, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified folds in which every label is in every training part.

    Rows of a label with fewer rows than folds always stay on the training side: a model
    never meets a label it was not trained on, and rare labels are kept instead of dropped.
    """
    labels = np.asarray(labels, dtype=object)
    values, counts = np.unique(labels, return_counts=True)
    rare = np.isin(labels, values[counts < folds])
    common = np.flatnonzero(~rare)
    always_train = np.flatnonzero(rare)
    splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
    return [
        (np.sort(np.concatenate([common[train], always_train])), common[test])
        for train, test in splitter.split(common, labels[common])
    ]


def calibrate(classifier, labels, folds: int, seed: int = 0) -> CalibratedClassifierCV:
    """Temperature scaling over `folds` rare-safe folds of `labels`: confidences that mean what
    they say.

    One temperature for all classes keeps each row's ranking (the predicted label does not
    change); on it_service_topic it brought the linear SVM's ECE from 0.074 (one-vs-rest
    sigmoid) to 0.022 at the same macro-F1.
    """
    return CalibratedClassifierCV(
        classifier,
        method=CALIBRATION_METHOD,
        cv=rare_safe_splits(labels, folds, seed),
        ensemble=True,
    )
