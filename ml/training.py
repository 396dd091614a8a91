"""Training one task end to end: split, search, calibrate, evaluate, register, report.

labelled data -> stratified holdout split (or a separate --holdout file)
              -> GridSearchCV (stratified k-fold, macro-F1) over baselines and candidates
              -> best candidate, calibrated (CalibratedClassifierCV)
              -> holdout scores beside the task's baseline and the majority class
              -> refit on every labelled row -> registry folder + ml.model_runs + report
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import f1_score
from sklearn.model_selection import ParameterGrid, StratifiedKFold, train_test_split

from ml.classifiers import (
    CALIBRATION_METHOD,
    MAJORITY,
    baseline_family,
    calibrate,
    family_of,
    make_classifier,
    search_grid,
    top_features_per_class,
)
from ml.datasets import LABEL, DataError, LabelledData, TextSpec, finish_labels
from ml.evaluation import Evaluation, evaluate_predictions
from ml.features import (
    FeatureSet,
    TicketPreparer,
    build_features,
    build_pipeline,
    detect_feature_set,
)

DEFAULT_MAX_ROWS = 50_000
ZERO_SHOT_MAX_ROWS = 2_000  # embedding is the slow part; a sample this size is plenty to score


@dataclass
class TrainingOptions:
    task: str
    folds: int = 5
    holdout_share: float = 0.2
    seed: int = 0
    quick: bool = False  # small grid: majority, baseline, one linear SVM
    n_jobs: int = 1
    min_class_rows: int = 10
    max_rows: int = DEFAULT_MAX_ROWS
    refit_on_all: bool = True
    zero_shot: bool | None = None  # None: when the labels are the taxonomy's categories
    taxonomy: Path | None = None
    embedding_backend: str = "torch"


@dataclass
class CandidateScore:
    family: str
    parameters: dict
    cv_macro_f1: float
    cv_macro_f1_std: float
    fit_seconds: float


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

    @property
    def chosen(self) -> Evaluation:
        return self.evaluations["chosen"]

    @property
    def cv_macro_f1(self) -> float:
        return max(
            (c.cv_macro_f1 for c in self.candidates if c.family == self.family), default=np.nan
        )


def _drop_rare_labels(frame: pd.DataFrame, minimum: int, notes: list[str]) -> pd.DataFrame:
    counts = frame[LABEL].value_counts()
    rare = counts[counts < minimum]
    if len(rare):
        listed = ", ".join(f"{label} ({count})" for label, count in rare.items())
        notes.append(f"labels with fewer than {minimum} rows left out: {listed}")
        frame = frame[~frame[LABEL].isin(rare.index)].reset_index(drop=True)
    if frame[LABEL].nunique() < 2:
        raise DataError(
            f"need at least two labels with {minimum}+ rows each to train; "
            f"found: {counts.to_dict()}"
        )
    return frame


def _cap_rows(frame: pd.DataFrame, max_rows: int, seed: int, notes: list[str]) -> pd.DataFrame:
    if len(frame) <= max_rows:
        return frame
    notes.append(f"stratified sample of {max_rows:,} of {len(frame):,} labelled rows")
    sample, _ = train_test_split(
        frame, train_size=max_rows, stratify=frame[LABEL], random_state=seed
    )
    return sample.reset_index(drop=True)


def _classifier_from(params: dict):
    classifier = clone(params["classifier"])
    inner = {key.split("__", 1)[1]: value for key, value in params.items() if "__" in key}
    return classifier.set_params(**inner)


def _fit_quietly(classifier, features, labels):
    # sag's early stop (see make_classifier) warns on every fit; the search reports scores.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return classifier.fit(features, labels)


def _score_fold(prepared, labels, fold_train, fold_test, feature_set, combinations):
    """Fit the fold's features once, then every classifier of the grid on them."""
    features = build_features(feature_set, training_rows=len(fold_train))
    train_matrix = features.fit_transform(prepared.iloc[fold_train])
    test_matrix = features.transform(prepared.iloc[fold_test])
    results = []
    for params in combinations:
        started = time.perf_counter()
        classifier = _fit_quietly(_classifier_from(params), train_matrix, labels[fold_train])
        seconds = time.perf_counter() - started
        predicted = classifier.predict(test_matrix)
        score = f1_score(labels[fold_test], predicted, average="macro", zero_division=0)
        results.append((float(score), seconds))
    return results


def search_classifiers(
    train: pd.DataFrame, feature_set: FeatureSet, options: TrainingOptions, folds: int
) -> tuple[list[CandidateScore], dict]:
    """Grid search (ParameterGrid x StratifiedKFold, macro-F1) over the classifier step.

    Each fold's features are computed once and shared by every candidate: the same result as
    GridSearchCV over the whole pipeline at a fraction of its cost (the features dominate).
    """
    combinations = list(ParameterGrid(search_grid(options.task, options.seed, quick=options.quick)))
    prepared = TicketPreparer().transform(train.drop(columns=[LABEL]))
    labels = train[LABEL].to_numpy()
    splits = StratifiedKFold(folds, shuffle=True, random_state=options.seed).split(prepared, labels)
    per_fold = Parallel(n_jobs=options.n_jobs)(
        delayed(_score_fold)(prepared, labels, fold_train, fold_test, feature_set, combinations)
        for fold_train, fold_test in splits
    )
    scores = []
    for index, params in enumerate(combinations):
        fold_scores = np.asarray([fold[index][0] for fold in per_fold])
        scores.append(
            CandidateScore(
                family=family_of(params["classifier"]),
                parameters={k.split("__", 1)[1]: v for k, v in params.items() if "__" in k},
                cv_macro_f1=float(fold_scores.mean()),
                cv_macro_f1_std=float(fold_scores.std()),
                fit_seconds=float(np.mean([fold[index][1] for fold in per_fold])),
            )
        )
    # The majority class never wins: it is the floor every model is shown against.
    best = max(
        (i for i, score in enumerate(scores) if score.family != MAJORITY),
        key=lambda i: scores[i].cv_macro_f1,
    )
    return scores, combinations[best]


def _folds_for(labels: pd.Series, wanted: int) -> int:
    return max(2, min(wanted, int(labels.value_counts().min())))


def _fit_models(frame: pd.DataFrame, feature_set: FeatureSet, classifiers: dict, options):
    """Fit the features once on `frame`, then each classifier; returns complete pipelines."""
    prepared = TicketPreparer().transform(frame.drop(columns=[LABEL]))
    labels = frame[LABEL].to_numpy()
    features = build_features(feature_set, training_rows=len(frame))
    matrix = features.fit_transform(prepared)
    return {
        name: build_pipeline(
            feature_set,
            _fit_quietly(classifier, matrix, labels),
            training_rows=len(frame),
            features=features,
        )
        for name, classifier in classifiers.items()
    }


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
    data: LabelledData, options: TrainingOptions, holdout: LabelledData | None = None
) -> TrainingOutcome:
    """Search, calibrate and evaluate one task; the returned pipeline is ready to save."""
    started = time.perf_counter()
    notes = list(data.notes)
    frame = _cap_rows(data.frame, options.max_rows, options.seed, notes)
    frame = _drop_rare_labels(frame, options.min_class_rows, notes)
    if holdout is not None:
        train, test = frame, holdout.frame
        holdout_source = holdout.source
        unseen = sorted(set(test[LABEL]) - set(train[LABEL]))
        if unseen:
            notes.append(f"holdout labels never seen in training (count as errors): {unseen}")
    else:
        train, test = train_test_split(
            frame,
            test_size=options.holdout_share,
            stratify=frame[LABEL],
            random_state=options.seed,
        )
        train, test = train.reset_index(drop=True), test.reset_index(drop=True)
        holdout_source = f"stratified {options.holdout_share:.0%} split, seed {options.seed}"
    feature_set = detect_feature_set(train)
    labels = sorted(set(train[LABEL]) | set(test[LABEL]))
    folds = _folds_for(train[LABEL], options.folds)

    candidates, best = search_classifiers(train, feature_set, options, folds)
    chosen_classifier = _classifier_from(best)
    family = family_of(chosen_classifier)
    baseline_name = baseline_family(options.task)
    calibration_folds = _folds_for(train[LABEL], options.folds)

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
    fitted = _fit_models(
        train,
        feature_set,
        {
            "baseline": make_classifier(baseline_name, options.seed),
            "chosen": calibrate(clone(chosen_classifier), calibration_folds),
        },
        options,
    )
    evaluations["baseline"] = _evaluate_pipeline(
        f"{baseline_name} (baseline)", fitted["baseline"], test, labels
    )
    evaluations["chosen"] = _evaluate_pipeline(
        f"{family} (calibrated)", fitted["chosen"], test, labels
    )
    zero_shot = _evaluate_zero_shot(test, labels, options, notes)
    if zero_shot is not None:
        evaluations["zero_shot"] = zero_shot

    final, final_rows = fitted["chosen"], len(train)
    if holdout is None and options.refit_on_all:
        folds_all = _folds_for(frame[LABEL], options.folds)
        final = _fit_models(
            frame, feature_set, {"chosen": calibrate(clone(chosen_classifier), folds_all)}, options
        )["chosen"]
        final_rows = len(frame)
        notes.append(f"the saved model was refit on all {final_rows:,} rows after evaluation")
    return TrainingOutcome(
        task=options.task,
        pipeline=final,
        feature_set=feature_set,
        family=family,
        parameters={
            key: value
            for key, value in chosen_classifier.get_params().items()
            if isinstance(value, int | float | str | bool | type(None))
        },
        baseline=baseline_name,
        candidates=candidates,
        evaluations=evaluations,
        labels=labels,
        training_rows=len(train),
        holdout_rows=len(test),
        holdout_source=holdout_source,
        final_rows=final_rows,
        folds=folds,
        top_features=top_features_per_class(final),
        data=data,
        seconds=time.perf_counter() - started,
        notes=notes,
    )


@dataclass
class TrainingRun:
    outcome: TrainingOutcome
    version: str
    model_folder: Path
    report_folder: Path
    report_files: dict[str, Path]
    metadata: dict


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
            "candidates": [candidate.__dict__ for candidate in outcome.candidates],
        },
        "metrics": {
            name: evaluation.headline() for name, evaluation in outcome.evaluations.items()
        },
        "notes": outcome.notes,
        "code_version": code_version(),
        "package_version": __version__,
        "sklearn_version": sklearn.__version__,
        "training_seconds": round(outcome.seconds, 1),
    }


def register(outcome: TrainingOutcome, settings, *, command: str | None = None) -> TrainingRun:
    """Save the model, write the report, add the ml.model_runs row, move the pointer."""
    from ml import registry
    from ml.report import write_report
    from supportlake.warehouse import open_warehouse

    content_hash = registry.data_hash(outcome.data.frame)
    version = registry.new_version(outcome.task, content_hash, settings.models_dir)
    metadata = build_metadata(outcome, version, content_hash)
    metadata["command"] = command
    report_folder = Path(settings.reports) / "models" / version
    report_files = write_report(outcome, version, metadata, report_folder)
    metadata["report"] = str(report_files["markdown"])
    model_folder = registry.save_model(
        settings.models_dir, outcome.task, version, outcome.pipeline, metadata
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
    }
    with open_warehouse(settings) as connection:
        registry.record_model_run(connection, row)
    registry.set_current(settings.models_dir, outcome.task, version)
    return TrainingRun(outcome, version, model_folder, report_folder, report_files, metadata)


def load_training_data(
    settings,
    task: str,
    *,
    data_path: str | Path | None = None,
    spec: TextSpec | None = None,
    corrections_path: str | Path | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> LabelledData:
    """Labelled rows for `task` from a file or marts.tickets, human corrections applied.

    The label is `spec.label_column` (default: the task's name). Corrections
    (`corrected_<task>`) come from raw.ticket_corrections when training on the warehouse and
    from `corrections_path` when given; they override recorded labels by ticket_id.
    """
    from ml.datasets import load_labelled_file, load_labelled_warehouse
    from ml.feedback import (
        apply_corrections,
        latest_corrections,
        read_corrections_file,
        read_corrections_table,
    )
    from supportlake.warehouse import open_warehouse

    corrections = read_corrections_file(corrections_path) if corrections_path else pd.DataFrame()
    spec = spec or TextSpec(label_column=task)
    if data_path is None:
        with open_warehouse(settings, read_only=True) as connection:
            corrections = pd.concat(
                [read_corrections_table(connection), corrections], ignore_index=True
            )
            corrected_ids = latest_corrections(corrections, task)["ticket_id"].tolist()
            data = load_labelled_warehouse(
                connection,
                spec.label_column or task,
                max_rows=max_rows,
                extra_ticket_ids=corrected_ids,
            )
    else:
        data = load_labelled_file(data_path, spec)
    if not corrections.empty:
        data = apply_corrections(data, corrections, task)
    return finish_labels(data)


def train_task(
    settings,
    options: TrainingOptions,
    data: LabelledData,
    holdout: LabelledData | None = None,
    *,
    command: str | None = None,
) -> TrainingRun:
    """fit_task + register: what `supportlake train` and the train-score flow run."""
    outcome = fit_task(data, options, holdout)
    return register(outcome, settings, command=command)
