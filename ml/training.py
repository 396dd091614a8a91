"""Training one task end to end: split, search, calibrate, evaluate, register, report.

labelled data -> rare labels kept (or folded into `other`), stated per label
              -> stratified holdout split (or a separate --holdout file)
              -> cross-validated macro-F1 (rare-safe stratified folds) of the linear grid,
                 the plain baseline, and, within --budget-minutes, gradient boosting and an
                 average of the best two
              -> the winner, only if it beats the plain baseline across the folds; calibrated
              -> holdout scores beside the plain baseline and the majority class
              -> refit on every labelled row -> registry folder + ml.model_runs + report
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import ParameterGrid, train_test_split
from sklearn.pipeline import Pipeline

from ml import registry
from ml.calibration import CALIBRATION_METHOD, calibrate, rare_safe_splits
from ml.candidates import (
    ADVANCED_FAMILIES,
    AVERAGED_ENSEMBLE,
    BOTH_VIEW,
    FINE_TUNED_TRANSFORMER,
    HIST_GRADIENT_BOOSTING,
    PLAIN_BASELINE,
    PLAIN_VIEW,
    PRODUCT_VIEW,
    SEQUENCE_VIEW,
    AveragedClassifier,
    ReducedBoosting,
    TransformerClassifier,
    build_view,
    configure,
    make_plain_classifier,
)
from ml.classifiers import (
    MAJORITY,
    family_of,
    make_classifier,
    search_grid,
    top_features_per_class,
)
from ml.datasets import (
    LABEL,
    DataError,
    LabelledData,
    TextSpec,
    finish_labels,
    load_labelled_warehouse,
)
from ml.evaluation import Evaluation, evaluate_predictions
from ml.features import FeatureSet, TicketPreparer, detect_feature_set
from ml.feedback import apply_corrections, read_latest_corrections
from ml.report import write_report
from ml.tracking import log_to_mlflow
from ml.transformer_classifier import device_name, estimate_fit_seconds
from supportlake.settings import Settings

DEFAULT_MAX_ROWS = 50_000
DEFAULT_BUDGET_MINUTES = 15.0
ZERO_SHOT_MAX_ROWS = 2_000  # embedding is the slow part; a sample this size is plenty to score
OTHER_LABEL = "other"
RARE_LABEL_POLICIES = ("keep", "other")
TRANSFORMER_MODES = ("auto", "on", "off")

ProgressCallback = Callable[[str, int, int], None]  # (step, done, total)


@dataclass
class TrainingOptions:
    task: str
    folds: int = 5
    holdout_share: float = 0.2
    seed: int = 0
    quick: bool = False  # small grid (majority, baseline, one linear SVM), no boosting
    n_jobs: int = 1
    min_class_rows: int = 10  # labels with fewer training rows are rare (see rare_labels)
    rare_labels: str = "keep"  # keep (class-weighted) or other (folded into `other`)
    max_rows: int = DEFAULT_MAX_ROWS
    refit_on_all: bool = True
    zero_shot: bool | None = None  # None: when the labels are the taxonomy's categories
    taxonomy: Path | None = None
    embedding_backend: str = "torch"
    budget_minutes: float = DEFAULT_BUDGET_MINUTES  # for the advanced candidates
    advanced: tuple[str, ...] = ADVANCED_FAMILIES
    # Only these families may be saved (empty: any). The plain baseline is still scored and
    # shown; a user who restricts the choice accepts a model that may lose to it.
    families: tuple[str, ...] = ()
    boosting_components: int = 100
    boosting_iterations: int = 150
    # The fine-tuned transformer: `auto` tries it only where torch sees a GPU (on the 2 CPU
    # cores here one fine-tune of 3,000 tickets was estimated at hours), `on` on any device
    # (still within the budget), `off` never.
    transformer: str = "auto"
    transformer_epochs: int = 3
    transformer_max_length: int = 128
    transformer_batch_size: int = 16


@dataclass
class CandidateScore:
    family: str
    parameters: dict
    cv_macro_f1: float
    cv_macro_f1_std: float
    fit_seconds: float
    view: str = PRODUCT_VIEW
    fold_scores: list[float] = field(default_factory=list)
    status: str = "scored"  # or why it was not scored (budget)


@dataclass
class RareLabel:
    label: str
    training_rows: int  # in the data before any folding
    holdout_rows: int
    handling: str


@dataclass
class TrainingOutcome:
    task: str
    pipeline: object  # the fitted, calibrated Pipeline that gets saved
    feature_set: FeatureSet
    family: str
    parameters: dict
    baseline: str
    candidates: list[CandidateScore]
    evaluations: dict[str, Evaluation]  # majority_class, baseline, chosen, zero_shot
    labels: list[str]
    training_rows: int
    holdout_rows: int
    holdout_source: str
    final_rows: int
    folds: int
    top_features: dict[str, list[str]]
    data: LabelledData
    seconds: float
    notes: list[str] = field(default_factory=list)
    selection: str = ""  # why the saved family was chosen over the plain baseline
    rare_labels: list[RareLabel] = field(default_factory=list)
    holdout_frame: pd.DataFrame | None = None  # the scored holdout (not saved)
    evaluated_pipeline: object = None  # the model the holdout scored (before any refit)
    min_class_rows: int = 10
    languages: pd.DataFrame | None = None  # holdout scores per ticket language

    @property
    def chosen(self) -> Evaluation:
        return self.evaluations["chosen"]

    @property
    def cv_macro_f1(self) -> float:
        return self._cv_of(self.family, self.parameters)

    @property
    def baseline_cv_macro_f1(self) -> float:
        return max(
            (c.cv_macro_f1 for c in self.candidates if c.family == PLAIN_BASELINE), default=np.nan
        )

    def _cv_of(self, family: str, parameters: dict) -> float:
        scored = [c for c in self.candidates if c.family == family and c.status == "scored"]
        return max((c.cv_macro_f1 for c in scored), default=np.nan)


# --- labels ----------------------------------------------------------------------------------


def _require_two_labels(frame: pd.DataFrame) -> None:
    counts = frame[LABEL].value_counts()
    if len(counts) < 2:
        raise DataError(f"need at least two labels to train; found: {counts.to_dict()}")


def _rare_labels(
    frame: pd.DataFrame, holdout: pd.DataFrame | None, options: TrainingOptions
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[RareLabel]]:
    """Keep rare labels (class-weighted) or fold them into `other`; say which, per label."""
    counts = frame[LABEL].value_counts()
    held = holdout[LABEL].value_counts() if holdout is not None else pd.Series(dtype=int)
    rare = counts[counts < options.min_class_rows]
    report = []
    if options.rare_labels == "other" and len(rare):
        mapping = {label: OTHER_LABEL for label in rare.index}
        frame = frame.assign(**{LABEL: frame[LABEL].replace(mapping)})
        if holdout is not None:
            holdout = holdout.assign(**{LABEL: holdout[LABEL].replace(mapping)})
        handling = f"folded into `{OTHER_LABEL}`"
    else:
        handling = "kept, class-weighted"
    for label, count in rare.items():
        note = handling
        if handling.startswith("kept") and count < 2 and holdout is None:
            note += "; too few rows to hold out, all used for training"
        report.append(RareLabel(str(label), int(count), int(held.get(label, 0)), note))
    for label, count in held.items():
        if label not in counts.index:
            report.append(
                RareLabel(
                    str(label),
                    0,
                    int(count),
                    "holdout only: never seen in training, every row counts as an error",
                )
            )
    return frame, holdout, report


def split_holdout(frame: pd.DataFrame, options: TrainingOptions):
    """Stratified split; labels with a single row cannot be split and stay in training."""
    counts = frame[LABEL].value_counts()
    single = frame[LABEL].isin(counts[counts < 2].index)
    splittable = frame[~single]
    train, test = train_test_split(
        splittable,
        test_size=options.holdout_share,
        stratify=splittable[LABEL],
        random_state=options.seed,
    )
    train = pd.concat([train, frame[single]])
    return train.reset_index(drop=True), test.reset_index(drop=True)


def _cap_rows(frame: pd.DataFrame, max_rows: int, seed: int, notes: list[str]) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    notes.append(f"stratified sample of {max_rows:,} of {len(frame):,} labelled rows")
    counts = frame[LABEL].value_counts()
    single = frame[LABEL].isin(counts[counts < 2].index)
    sample, _ = train_test_split(
        frame[~single],
        train_size=max_rows - int(single.sum()),
        stratify=frame.loc[~single, LABEL],
        random_state=seed,
    )
    return pd.concat([sample, frame[single]]).reset_index(drop=True)


# --- candidates ------------------------------------------------------------------------------


@dataclass
class Candidate:
    family: str
    parameters: dict
    view: str
    make: Callable[[], Any]  # a fresh, unfitted classifier
    advanced: bool = False


def _classifier_from(params: dict):
    classifier = clone(params["classifier"])
    inner = {key.split("__", 1)[1]: value for key, value in params.items() if "__" in key}
    return classifier.set_params(**inner)


def build_candidates(options: TrainingOptions) -> list[Candidate]:
    """The linear grid on the house features, the plain baseline, and gradient boosting."""
    candidates = []
    for params in ParameterGrid(search_grid(options.task, options.seed, quick=options.quick)):
        candidates.append(
            Candidate(
                family=family_of(params["classifier"]),
                parameters={k.split("__", 1)[1]: v for k, v in params.items() if "__" in k},
                view=PRODUCT_VIEW,
                make=partial(_classifier_from, params),
            )
        )
    candidates.append(
        Candidate(
            PLAIN_BASELINE,
            {"C": 10.0, "words": "1-2", "char_wb": "2-5", "min_df": 2},
            PLAIN_VIEW,
            lambda: make_plain_classifier(options.seed),
        )
    )
    if HIST_GRADIENT_BOOSTING in options.advanced and not options.quick:
        boosting = {
            "components": options.boosting_components,
            "max_iter": options.boosting_iterations,
        }
        candidates.append(
            Candidate(
                HIST_GRADIENT_BOOSTING,
                boosting,
                PRODUCT_VIEW,
                lambda: ReducedBoosting(seed=options.seed, **boosting),
                advanced=True,
            )
        )
    if FINE_TUNED_TRANSFORMER in options.advanced and not options.quick:
        tuning = {
            "epochs": options.transformer_epochs,
            "max_length": options.transformer_max_length,
            "batch_size": options.transformer_batch_size,
        }
        candidates.append(
            Candidate(
                FINE_TUNED_TRANSFORMER,
                tuning,
                SEQUENCE_VIEW,
                lambda: TransformerClassifier(seed=options.seed, **tuning),
                advanced=True,
            )
        )
    return candidates


def _transformer_skip(
    candidate: Candidate, options: TrainingOptions, rows: int, folds: int, left: float
) -> str | None:
    """Why the transformer is not tried in this run, or None when it fits the budget.

    The estimate comes from one timed training step on this machine: the cross-validation,
    the calibrated fit and the refit are each `folds` fine-tunes of about this many rows.
    """
    if options.transformer == "off":
        return "skipped: switched off (transformer=off)"
    if left <= 0:
        return f"skipped: --budget-minutes {options.budget_minutes:g} spent before it could start"
    device = device_name()
    if options.transformer == "auto" and device == "cpu":
        return (
            "skipped: no GPU (transformer=auto tries it on a GPU only; "
            "--transformer on tries it on the CPU within the budget)"
        )
    each = estimate_fit_seconds(
        rows,
        epochs=candidate.parameters["epochs"],
        max_length=candidate.parameters["max_length"],
        batch_size=candidate.parameters["batch_size"],
    )
    needed = each * 3 * folds
    if needed > left:
        return (
            f"skipped: one fine-tune of {rows:,} rows on the {device} is estimated at "
            f"{each:,.0f} s; search, calibration and refit need about {needed:,.0f} s, "
            f"over what is left of --budget-minutes {options.budget_minutes:g}"
        )
    return None


def _fit_quietly(classifier, features, labels):
    # sag's early stop (see make_classifier) warns on every fit; the search reports scores.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return classifier.fit(features, labels)


def _aligned_probabilities(classifier, matrix, labels: list) -> np.ndarray | None:
    if not hasattr(classifier, "predict_proba"):
        return None
    try:
        probabilities = classifier.predict_proba(matrix)
    except AttributeError:  # SGD exposes predict_proba only for some losses
        return None
    position = {label: index for index, label in enumerate(labels)}
    aligned = np.zeros((matrix.shape[0], len(labels)))
    for column, label in enumerate(classifier.classes_):
        aligned[:, position[label]] = probabilities[:, column]
    return aligned


def _score_fold(prepared, labels, all_labels, fold, feature_set, candidates):
    """Fit each view's features once on the fold, then every candidate of that view."""
    fold_train, fold_test = fold
    results = {}
    for view in dict.fromkeys(candidate.view for _, candidate in candidates):
        features = build_view(view, feature_set, training_rows=len(fold_train))
        train_matrix = features.fit_transform(prepared.iloc[fold_train])
        test_matrix = features.transform(prepared.iloc[fold_test])
        for index, candidate in candidates:
            if candidate.view != view:
                continue
            started = time.perf_counter()
            classifier = configure(candidate.make(), features)
            classifier = _fit_quietly(classifier, train_matrix, labels[fold_train])
            seconds = time.perf_counter() - started
            predicted = classifier.predict(test_matrix)
            score = f1_score(labels[fold_test], predicted, average="macro", zero_division=0)
            probabilities = _aligned_probabilities(classifier, test_matrix, all_labels)
            results[index] = (float(score), seconds, probabilities)
    return results


def _summarize(candidate: Candidate, per_fold: list[tuple]) -> CandidateScore:
    scores = np.asarray([fold[0] for fold in per_fold])
    return CandidateScore(
        family=candidate.family,
        parameters=candidate.parameters,
        cv_macro_f1=float(scores.mean()),
        cv_macro_f1_std=float(scores.std()),
        fit_seconds=float(np.mean([fold[1] for fold in per_fold])),
        view=candidate.view,
        fold_scores=[round(float(score), 4) for score in scores],
    )


@dataclass
class SearchResult:
    scores: list[CandidateScore]
    candidates: list[Candidate]
    chosen: int  # index into both lists
    baseline: int
    selection: str


def _ensemble(
    candidates, scores, fold_probabilities, labels, splits, options
) -> tuple[Candidate, CandidateScore] | None:
    """Average the fold probabilities of the two best candidates of different families."""
    ranked = sorted(
        (
            index
            for index, score in enumerate(scores)
            if score.status == "scored"
            and score.family != MAJORITY
            # The average reads the product and plain views; the word sequence is neither.
            and candidates[index].view != SEQUENCE_VIEW
            and all(probabilities is not None for probabilities in fold_probabilities[index])
        ),
        key=lambda index: -scores[index].cv_macro_f1,
    )
    first = ranked[0] if ranked else None
    second = next((i for i in ranked if scores[i].family != scores[first].family), None)
    if first is None or second is None:
        return None
    label_array = np.asarray(sorted(set(labels)), dtype=object)
    per_fold = []
    for fold, (_, test) in enumerate(splits):
        mean = (fold_probabilities[first][fold] + fold_probabilities[second][fold]) / 2
        predicted = label_array[mean.argmax(axis=1)]
        per_fold.append(
            (f1_score(labels[test], predicted, average="macro", zero_division=0), 0.0, None)
        )
    members = [candidates[first], candidates[second]]
    view = members[0].view if members[0].view == members[1].view else BOTH_VIEW
    # The product view's columns come first in BOTH_VIEW; order members to match.
    members.sort(key=lambda member: member.view != PRODUCT_VIEW)
    candidate = Candidate(
        AVERAGED_ENSEMBLE,
        {"members": " + ".join(_describe(member) for member in members)},
        view,
        lambda: AveragedClassifier(
            members=[(member.family, member.make(), member.view) for member in members],
            calibration_folds=min(3, options.folds),
            seed=options.seed,
        ),
        advanced=True,
    )
    score = _summarize(candidate, per_fold)
    score.fit_seconds = scores[first].fit_seconds + scores[second].fit_seconds
    return candidate, score


def _describe(candidate: Candidate) -> str:
    parameters = ", ".join(f"{k}={v}" for k, v in candidate.parameters.items())
    return f"{candidate.family}({parameters})" if parameters else candidate.family


def _select(
    scores: list[CandidateScore], baseline: int, families: tuple[str, ...] = ()
) -> tuple[int, str]:
    """The best candidate by mean CV macro-F1, if it also beats the plain baseline on most
    folds by more than the gain's standard error; otherwise the plain baseline, said plainly.
    `families` restricts the choice."""
    eligible = [
        index
        for index, score in enumerate(scores)
        if score.status == "scored"
        and score.family != MAJORITY
        and (not families or score.family in families)
    ]
    if not eligible:
        raise DataError(f"no candidate of the families {', '.join(families)} could be scored")
    best = max(eligible, key=lambda index: scores[index].cv_macro_f1)
    base = scores[baseline]
    if families and baseline not in eligible:
        return best, (
            f"the choice was restricted to {', '.join(families)}: {scores[best].family} "
            f"(CV macro-F1 {scores[best].cv_macro_f1:.3f}) beside the plain baseline's "
            f"{base.cv_macro_f1:.3f}"
        )
    if best == baseline:
        return baseline, (
            f"the plain baseline was kept: no candidate beat its CV macro-F1 {base.cv_macro_f1:.3f}"
        )
    winner = scores[best]
    gains = np.asarray(winner.fold_scores) - np.asarray(base.fold_scores)
    wins = int((gains > 0).sum())
    # The gain must also exceed its own standard error over the folds (paired t >= 1): the
    # best of a dozen candidates beats any fixed one by a hair through luck alone.
    error = float(gains.std(ddof=1) / np.sqrt(len(gains))) if len(gains) > 1 else 0.0
    clear = gains.mean() > 0 and gains.mean() >= error
    if clear and wins * 2 > len(gains):
        return best, (
            f"{winner.family} beat the plain baseline by cross-validation: CV macro-F1 "
            f"{winner.cv_macro_f1:.3f} vs {base.cv_macro_f1:.3f} (gain {gains.mean():+.3f}, "
            f"standard error {error:.3f}), higher on {wins} of {len(gains)} folds"
        )
    return baseline, (
        f"the plain baseline was kept: the best candidate, {winner.family} (CV macro-F1 "
        f"{winner.cv_macro_f1:.3f} vs {base.cv_macro_f1:.3f}, gain {gains.mean():+.3f} with "
        f"standard error {error:.3f}), was higher on {wins} of {len(gains)} folds"
    )


def search_candidates(
    train: pd.DataFrame,
    feature_set: FeatureSet,
    options: TrainingOptions,
    folds: int,
    *,
    started: float,
    progress: ProgressCallback | None = None,
) -> SearchResult:
    """Cross-validated macro-F1 of every candidate on the same rare-safe stratified folds.

    Each fold's features are computed once per view and shared by that view's candidates
    (the features dominate the cost). The advanced candidates run after the cheap ones and
    only while the projected time stays within options.budget_minutes.
    """
    candidates = build_candidates(options)
    prepared = TicketPreparer().transform(train.drop(columns=[LABEL]))
    labels = train[LABEL].to_numpy()
    all_labels = sorted(set(labels))
    splits = rare_safe_splits(labels, folds, options.seed)
    advanced = [i for i, c in enumerate(candidates) if c.advanced]
    total_steps = folds * (1 + len(advanced))
    cheap = [(i, c) for i, c in enumerate(candidates) if not c.advanced]
    per_fold = Parallel(n_jobs=options.n_jobs)(
        delayed(_score_fold)(prepared, labels, all_labels, fold, feature_set, cheap)
        for fold in splits
    )
    if progress:
        progress("search: linear grid and plain baseline", folds, total_steps)
    fold_results: dict[int, list] = {
        index: [fold[index] for fold in per_fold] for index, _ in cheap
    }
    scores: dict[int, CandidateScore] = {
        index: _summarize(candidate, fold_results[index]) for index, candidate in cheap
    }
    budget = options.budget_minutes * 60
    done = folds
    for index in advanced:
        candidate = candidates[index]
        results: list = []
        skipped = None
        if candidate.family == FINE_TUNED_TRANSFORMER:
            rows = len(splits[0][0])
            left = budget - (time.perf_counter() - started)
            skipped = _transformer_skip(candidate, options, rows, folds, left)
        for number, fold in enumerate(splits if skipped is None else []):
            elapsed = time.perf_counter() - started
            projected = elapsed
            if results:
                # Remaining folds, then the calibrated fit and the refit if it wins
                # (each calibrated over `folds` folds).
                each = float(np.mean([result[1] for result in results]))
                projected += each * (folds - number + 2 * folds)
            if projected > budget:
                break
            results.append(
                _score_fold(prepared, labels, all_labels, fold, feature_set, [(index, candidate)])[
                    index
                ]
            )
            done += 1
            if progress:
                progress(f"search: {candidate.family} fold {number + 1}/{folds}", done, total_steps)
        if len(results) == folds:
            scores[index] = _summarize(candidate, results)
            fold_results[index] = results
        else:
            scores[index] = CandidateScore(
                candidate.family,
                candidate.parameters,
                float("nan"),
                float("nan"),
                float(np.mean([r[1] for r in results])) if results else float("nan"),
                view=candidate.view,
                status=skipped
                or f"skipped: projected time over --budget-minutes {options.budget_minutes:g}",
            )
            done += folds - len(results)
    ordered = [scores[index] for index in range(len(candidates))]
    if AVERAGED_ENSEMBLE in options.advanced:
        scored = {index: [result[2] for result in fold_results[index]] for index in fold_results}
        probabilities = [scored.get(index, [None]) for index in range(len(candidates))]
        ensemble = _ensemble(candidates, ordered, probabilities, labels, splits, options)
        if ensemble is not None:
            candidates.append(ensemble[0])
            ordered.append(ensemble[1])
    baseline = next(i for i, c in enumerate(candidates) if c.family == PLAIN_BASELINE)
    chosen, selection = _select(ordered, baseline, options.families)
    if progress:
        progress("search done", total_steps, total_steps)
    return SearchResult(ordered, candidates, chosen, baseline, selection)


def _folds_for(labels: pd.Series, wanted: int) -> int:
    # Rare-safe folds keep labels rarer than the fold count on the training side, so the
    # fold count needs only two labels with that many rows.
    counts = labels.value_counts()
    return max(2, min(wanted, int(counts.iloc[1]) if len(counts) > 1 else 2))


def fit_candidate(
    frame: pd.DataFrame,
    feature_set: FeatureSet,
    candidate: Candidate,
    *,
    calibrated: bool,
    folds: int,
    seed: int,
) -> Pipeline:
    """prepare -> features -> classifier of one candidate, fitted on `frame`."""
    preparer = TicketPreparer()
    prepared = preparer.transform(frame.drop(columns=[LABEL]))
    labels = frame[LABEL].to_numpy()
    features = build_view(candidate.view, feature_set, training_rows=len(frame))
    matrix = features.fit_transform(prepared)
    classifier = candidate.make()
    if calibrated and candidate.family != AVERAGED_ENSEMBLE:  # its members calibrate themselves
        classifier = calibrate(classifier, labels, folds, seed)
    classifier = configure(classifier, features)
    classifier = _fit_quietly(classifier, matrix, labels)
    if calibrated and candidate.family != AVERAGED_ENSEMBLE:
        classifier.set_params(cv=folds)  # the fold indices need not travel with the model
    return Pipeline([("prepare", preparer), ("features", features), ("classifier", classifier)])


def _evaluate_pipeline(name: str, pipeline, test: pd.DataFrame, labels: list[str]) -> Evaluation:
    features = test.drop(columns=[LABEL])
    probabilities = pipeline.predict_proba(features)
    classes = list(pipeline.classes_)
    predicted = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
    return evaluate_predictions(
        name,
        test[LABEL].to_numpy(),
        predicted,
        labels=labels,
        probabilities=probabilities,
        classes=classes,
    )


def _evaluate_zero_shot(
    test: pd.DataFrame, labels: list[str], options: TrainingOptions, notes: list[str]
) -> Evaluation | None:
    from ml.zero_shot import ZeroShotClassifier, labels_fit_taxonomy, load_taxonomy

    taxonomy = load_taxonomy(options.taxonomy)
    wanted = options.zero_shot
    if wanted is None:
        wanted = labels_fit_taxonomy(labels, taxonomy)
    if not wanted:
        return None
    if len(test) > ZERO_SHOT_MAX_ROWS:
        test = test.sample(ZERO_SHOT_MAX_ROWS, random_state=options.seed)
        notes.append(f"zero-shot scored on a sample of {ZERO_SHOT_MAX_ROWS:,} holdout rows")
    model = ZeroShotClassifier(taxonomy, backend=options.embedding_backend)
    probabilities = model.predict_proba_tickets(test)
    # Report in the data's spelling of each label (`billing` in the file, `Billing` here).
    spelling = {str(label).lower(): label for label in labels}
    classes = [spelling.get(str(name).lower(), name) for name in model.classes_]
    predicted = np.asarray(classes, dtype=object)[probabilities.argmax(axis=1)]
    return evaluate_predictions(
        "zero_shot",
        test[LABEL].to_numpy(),
        predicted,
        labels=labels,
        probabilities=probabilities,
        classes=classes,
    )


def fit_task(
    data: LabelledData,
    options: TrainingOptions,
    holdout: LabelledData | None = None,
    *,
    progress: ProgressCallback | None = None,
) -> TrainingOutcome:
    """Search, calibrate and evaluate one task; the returned pipeline is ready to save."""
    if options.transformer not in TRANSFORMER_MODES:
        raise ValueError(
            f"transformer must be one of {', '.join(TRANSFORMER_MODES)}, "
            f"not {options.transformer!r}"
        )
    if options.rare_labels not in RARE_LABEL_POLICIES:
        raise ValueError(
            f"rare_labels must be one of {', '.join(RARE_LABEL_POLICIES)}, "
            f"not {options.rare_labels!r}"
        )
    started = time.perf_counter()
    notes = list(data.notes)
    frame = _cap_rows(data.frame, options.max_rows, options.seed, notes)
    frame, holdout_frame, rare = _rare_labels(
        frame, holdout.frame if holdout is not None else None, options
    )
    _require_two_labels(frame)
    if holdout is not None:
        train, test = frame, cast(pd.DataFrame, holdout_frame)  # set whenever holdout is
        holdout_source = holdout.source
    else:
        train, test = split_holdout(frame, options)
        holdout_source = f"stratified {options.holdout_share:.0%} split, seed {options.seed}"
    _require_two_labels(train)
    feature_set = detect_feature_set(train)
    labels = sorted(set(train[LABEL]) | set(test[LABEL]))
    folds = _folds_for(train[LABEL], options.folds)

    search = search_candidates(
        train, feature_set, options, folds, started=started, progress=progress
    )
    chosen_candidate = search.candidates[search.chosen]
    baseline_candidate = search.candidates[search.baseline]

    def report(step: str) -> None:
        if progress:
            progress(step, 0, 0)

    evaluations: dict[str, Evaluation] = {}
    majority = make_classifier(MAJORITY).fit(np.zeros((len(train), 1)), train[LABEL])
    evaluations["majority_class"] = evaluate_predictions(
        "majority_class",
        test[LABEL].to_numpy(),
        majority.predict(np.zeros((len(test), 1))),
        labels=labels,
        probabilities=majority.predict_proba(np.zeros((len(test), 1))),
        classes=list(majority.classes_),
    )
    report("fitting the plain baseline for the holdout")
    baseline_pipeline = fit_candidate(
        train, feature_set, baseline_candidate, calibrated=False, folds=folds, seed=options.seed
    )
    evaluations["baseline"] = _evaluate_pipeline(
        "plain_baseline (tf-idf + logistic regression)", baseline_pipeline, test, labels
    )
    report(f"fitting {chosen_candidate.family} (calibrated) for the holdout")
    chosen_pipeline = fit_candidate(
        train, feature_set, chosen_candidate, calibrated=True, folds=folds, seed=options.seed
    )
    evaluations["chosen"] = _evaluate_pipeline(
        f"{chosen_candidate.family} (calibrated)", chosen_pipeline, test, labels
    )
    languages = _scores_by_language(
        test, {"saved model": chosen_pipeline, "baseline": baseline_pipeline}
    )
    zero_shot = _evaluate_zero_shot(test, labels, options, notes)
    if zero_shot is not None:
        evaluations["zero_shot"] = zero_shot

    final, final_rows = chosen_pipeline, len(train)
    if holdout is None and options.refit_on_all:
        report(f"refitting {chosen_candidate.family} on all {len(frame):,} rows")
        folds_all = _folds_for(frame[LABEL], options.folds)
        final = fit_candidate(
            frame,
            feature_set,
            chosen_candidate,
            calibrated=True,
            folds=folds_all,
            seed=options.seed,
        )
        final_rows = len(frame)
        notes.append(f"the saved model was refit on all {final_rows:,} rows after evaluation")
    top_features = top_features_per_class(final)
    if not any(top_features.values()):
        notes.append(
            f"{chosen_candidate.family} has no per-feature weights: reasons come from "
            "leave-one-feature-out contributions (ml.explain)"
        )
    return TrainingOutcome(
        task=options.task,
        pipeline=final,
        feature_set=feature_set,
        family=chosen_candidate.family,
        parameters=_plain_parameters(chosen_candidate),
        baseline=PLAIN_BASELINE,
        candidates=search.scores,
        evaluations=evaluations,
        labels=labels,
        training_rows=len(train),
        holdout_rows=len(test),
        holdout_source=holdout_source,
        final_rows=final_rows,
        folds=folds,
        top_features=top_features,
        data=data,
        seconds=time.perf_counter() - started,
        notes=notes,
        selection=search.selection,
        rare_labels=rare,
        holdout_frame=test,
        evaluated_pipeline=chosen_pipeline,
        min_class_rows=options.min_class_rows,
        languages=languages,
    )


def _scores_by_language(test: pd.DataFrame, pipelines: dict) -> pd.DataFrame:
    from ml.languages import scores_by_language, ticket_languages

    features = test.drop(columns=[LABEL])
    predictions = {name: pipeline.predict(features) for name, pipeline in pipelines.items()}
    return scores_by_language(ticket_languages(test), test[LABEL], predictions)


def _plain_parameters(candidate: Candidate) -> dict:
    parameters = dict(candidate.parameters)
    classifier = candidate.make()
    for key, value in classifier.get_params(deep=False).items():
        if isinstance(value, int | float | str | bool | type(None)):
            parameters.setdefault(key, value)
    return parameters


@dataclass
class TrainingRun:
    outcome: TrainingOutcome
    version: str
    model_folder: Path
    report_folder: Path
    report_files: dict[str, Path]
    metadata: dict
    model_run: dict = field(default_factory=dict)  # its ml.model_runs row (record_run)


def build_metadata(outcome: TrainingOutcome, version: str, content_hash: str) -> dict:
    """What the registry stores beside the model: enough to trust or reproduce it."""
    import sklearn

    from ml.registry import code_version
    from supportlake import __version__

    return {
        "task": outcome.task,
        "version": version,
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "model_family": outcome.family,
        "baseline_family": outcome.baseline,
        "parameters": outcome.parameters,
        "calibration": f"CalibratedClassifierCV, method={CALIBRATION_METHOD}",
        "labels": outcome.labels,
        "features": outcome.feature_set.describe(),
        "feature_set": {
            "subject": outcome.feature_set.subject,
            "created_at": outcome.feature_set.created_at,
            "categorical": list(outcome.feature_set.categorical),
        },
        "data": {
            "source": outcome.data.source,
            "hash": content_hash,
            "spec": outcome.data.spec.to_dict(),
            "rows_read": outcome.data.rows_read,
            "rows_unlabelled": outcome.data.rows_unlabelled,
            "corrections_used": outcome.data.corrections_used,
            "training_rows": outcome.training_rows,
            "holdout_rows": outcome.holdout_rows,
            "holdout_source": outcome.holdout_source,
            "final_rows": outcome.final_rows,
        },
        "cv": {
            "folds": outcome.folds,
            "chosen_macro_f1": outcome.cv_macro_f1,
            "baseline_macro_f1": outcome.baseline_cv_macro_f1,
            "selection": outcome.selection,
            "candidates": [candidate.__dict__ for candidate in outcome.candidates],
        },
        "metrics": {
            name: evaluation.headline() for name, evaluation in outcome.evaluations.items()
        },
        "routing": (
            outcome.chosen.routing.to_dict() if outcome.chosen.routing is not None else None
        ),
        "rare_labels": [rare.__dict__ for rare in outcome.rare_labels],
        "languages": (
            outcome.languages.round(4).to_dict(orient="records")
            if outcome.languages is not None
            else []
        ),
        "notes": outcome.notes,
        "code_version": code_version(),
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "training_seconds": round(outcome.seconds, 1),
    }


def save_run(
    outcome: TrainingOutcome,
    models_dir: Path,
    reports_dir: Path,
    *,
    command: str | None = None,
    scope: str = "warehouse",
) -> TrainingRun:
    """Save the model in the registry and write its report; run.model_run is its
    ml.model_runs row, for the caller to record on the warehouse it opened.

    scope: `warehouse` (trained on marts.tickets) or `file` (an outside export).
    """
    content_hash = registry.data_hash(outcome.data.frame)
    version = registry.new_version(outcome.task, content_hash, models_dir)
    metadata = build_metadata(outcome, version, content_hash)
    metadata["command"] = command
    metadata["scope"] = scope
    report_folder = Path(reports_dir) / "models" / version
    report_files = write_report(outcome, version, metadata, report_folder)
    metadata["report"] = str(report_files["markdown"])
    model_folder = registry.save_model(
        models_dir, outcome.task, version, outcome.pipeline, metadata
    )
    chosen = outcome.evaluations["chosen"]
    majority = outcome.evaluations["majority_class"]
    row = {
        "model_version": version,
        "task": outcome.task,
        "trained_at": datetime.now(UTC).replace(tzinfo=None),
        "model_family": outcome.family,
        "baseline_family": outcome.baseline,
        "data_source": outcome.data.source,
        "data_hash": content_hash,
        "training_rows": outcome.final_rows,
        "holdout_rows": outcome.holdout_rows,
        "holdout_source": outcome.holdout_source,
        "label_set": json.dumps(outcome.labels),
        "corrections_used": outcome.data.corrections_used,
        "cv_macro_f1": outcome.cv_macro_f1,
        "holdout_accuracy": chosen.accuracy,
        "holdout_macro_f1": chosen.macro_f1,
        "baseline_macro_f1": outcome.evaluations["baseline"].macro_f1,
        "majority_macro_f1": majority.macro_f1,
        "majority_accuracy": majority.accuracy,
        "expected_calibration_error": (
            chosen.calibration.expected_calibration_error if chosen.calibration else None
        ),
        "parameters": json.dumps(outcome.parameters, default=str),
        "code_version": metadata["code_version"],
        "package_version": metadata["package_version"],
        "model_path": str(model_folder),
        "report_path": str(report_files["markdown"]),
        "routing_coverage": chosen.routing.coverage if chosen.routing else None,
        "scope": scope,
    }
    return TrainingRun(
        outcome, version, model_folder, report_folder, report_files, metadata, model_run=row
    )


def save_as_current(outcome: TrainingOutcome, models_dir: Path) -> str:
    """Save a fitted model as the task's new current version, without a report or an
    ml.model_runs row: for test fixtures and benchmarks that only need a model to serve."""
    content_hash = registry.data_hash(outcome.data.frame)
    version = registry.new_version(outcome.task, content_hash, models_dir)
    metadata = build_metadata(outcome, version, content_hash)
    registry.save_model(models_dir, outcome.task, version, outcome.pipeline, metadata)
    registry.set_current(models_dir, outcome.task, version)
    return version


def record_run(connection: duckdb.DuckDBPyConnection, run: TrainingRun) -> None:
    """Add the run's ml.model_runs row."""
    registry.record_model_run(connection, run.model_run)


def publish_run(run: TrainingRun, settings: Settings, *, promote: bool = True) -> None:
    """Move the task's `current` pointer to the run (promote: False keeps the current model:
    a challenger that lost is saved, never used) and log it to MLflow when configured."""
    if promote:
        registry.set_current(settings.models_dir, run.outcome.task, run.version)
    tracked = log_to_mlflow(settings, run.metadata, run.model_folder, run.report_folder)
    if tracked:
        run.outcome.notes.append(f"logged to MLflow ({tracked})")


def warehouse_training_data(
    connection: duckdb.DuckDBPyConnection,
    task: str,
    spec: TextSpec | None = None,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> LabelledData:
    """Labelled rows for `task` from marts.tickets, with the corrections of the same
    warehouse's marts.ticket_corrections_latest (the one home of "the latest correction
    wins") overriding recorded labels by ticket_id. The label is `spec.label_column`
    (default: the task's name)."""
    spec = spec or TextSpec(label_column=task)
    latest = read_latest_corrections(connection, task)
    data = load_labelled_warehouse(
        connection,
        spec.label_column or task,
        max_rows=max_rows,
        extra_ticket_ids=latest["ticket_id"].tolist(),
    )
    return finish_labels(apply_corrections(data, latest))


def corrected_training_data(
    data: LabelledData, task: str, corrections: duckdb.DuckDBPyConnection | None
) -> LabelledData:
    """A labelled file's rows with the corrections of the warehouse `corrections` is open on
    (the one its corrections file was loaded into) applied; None: no corrections."""
    latest = pd.DataFrame()
    if corrections is not None:
        latest = read_latest_corrections(corrections, task)
    return finish_labels(apply_corrections(data, latest))
