"""`supportlake train | predict | score | rollback`: ticket classification from the command line.

The work happens in ml/ (training, scoring, registry), on the warehouse that
flows/classifier_steps.py opens; these commands parse options, show progress and end with a
summary of what was written where. ml/ is imported when a command runs: pandas and
scikit-learn cost ~4 s of `supportlake --help`.
"""

from __future__ import annotations

import shlex
import sys
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from flows.corrections import (
    CorrectionsError,
    corrections_on_their_own,
    describe_load,
    load_corrections,
)
from supportlake.cli.common import fail, split_names
from supportlake.console import console, progress_bar
from supportlake.settings import Settings, get_settings
from supportlake.transform import DbtError


def _print_training(run) -> None:
    outcome = run.outcome
    table = Table(title=f"{outcome.task}: holdout ({outcome.holdout_rows:,} rows)")
    for column in ("model", "accuracy", "macro-F1", "ECE", "majority macro-F1"):
        table.add_column(column, justify="left" if column == "model" else "right")
    majority = outcome.evaluations["majority_class"]
    for evaluation in outcome.evaluations.values():
        ece = evaluation.calibration.expected_calibration_error if evaluation.calibration else None
        table.add_row(
            evaluation.name,
            f"{evaluation.accuracy:.3f}",
            f"{evaluation.macro_f1:.3f}",
            "" if ece is None else f"{ece:.3f}",
            f"{majority.macro_f1:.3f}",
        )
    console.print(table)
    data = outcome.data
    console.print(
        f"chosen [bold]{outcome.family}[/] (CV macro-F1 {outcome.cv_macro_f1:.3f}, "
        f"{outcome.folds} folds); {outcome.training_rows:,} training rows, "
        f"{data.rows_unlabelled:,} unlabelled dropped, {data.corrections_used:,} corrections "
        f"used; {outcome.seconds:.0f} s"
    )
    console.print(f"  selection: {outcome.selection}", soft_wrap=True)
    routing = outcome.chosen.routing
    if routing is not None and routing.threshold is not None:
        console.print(
            f"  routing: {routing.coverage:.0%} of holdout tickets clear confidence "
            f"{routing.threshold:.3f} at {routing.precision:.0%} precision"
        )
    else:
        console.print("  routing: no confidence level reaches 90% precision on the holdout")
    for rare in outcome.rare_labels:
        console.print(
            f"  rare label {rare.label!r}: {rare.training_rows} training / {rare.holdout_rows} "
            f"holdout rows, {rare.handling}",
            soft_wrap=True,
        )
    skipped = [c for c in outcome.candidates if c.status != "scored"]
    for candidate in skipped:
        console.print(f"  {candidate.family}: {candidate.status}")
    for note in outcome.notes:
        console.print(f"  note: {note}")
    console.print(f"[green]model[/] {run.version} -> {run.model_folder} (current)", soft_wrap=True)
    console.print(
        f"[green]report[/] -> {run.report_files['markdown']} (+ report.html, plots)",
        soft_wrap=True,
    )


def train(
    data: Path = typer.Option(
        None, "--data", help="labelled export (CSV/TSV/parquet/JSON); default: marts.tickets"
    ),
    text: str = typer.Option(
        None,
        "--text",
        help="text column(s), comma-separated: one = message; two or more = subject, message",
    ),
    label: str = typer.Option(
        None,
        "--label",
        help="label column(s), comma-separated; default with the warehouse: category,priority",
    ),
    task: str = typer.Option(
        None, "--task", help="registry task name (default: the label's name); one label only"
    ),
    mapping: str = typer.Option(
        None, "--mapping", help="column mapping YAML (as for `supportlake ingest`)"
    ),
    holdout: Path = typer.Option(
        None, "--holdout", help="separate labelled file to score on, same columns as --data"
    ),
    corrections: Path = typer.Option(
        None,
        "--corrections",
        help="corrections file (ticket_id, corrected_<label>, ...): ingested into the "
        "warehouse (with --data: into a temporary one of its own), then applied",
    ),
    quick: bool = typer.Option(False, "--quick", help="small grid: baseline and one linear SVM"),
    folds: int = typer.Option(5, "--folds", min=2, help="cross-validation folds"),
    holdout_share: float = typer.Option(0.2, "--holdout-share", min=0.05, max=0.5),
    seed: int = typer.Option(0, "--seed"),
    max_rows: int = typer.Option(50_000, "--max-rows", help="stratified sample cap", min=100),
    jobs: int = typer.Option(1, "--jobs", help="parallel cross-validation folds"),
    budget_minutes: float = typer.Option(
        15.0,
        "--budget-minutes",
        min=0.0,
        help="time for the advanced candidates (gradient boosting, the fine-tuned transformer); "
        "the linear grid and the plain baseline always run",
    ),
    rare_labels: str = typer.Option(
        "keep",
        "--rare-labels",
        help="labels under --min-class-rows rows: keep (class-weighted) or other (fold them "
        "into one `other` label)",
    ),
    min_class_rows: int = typer.Option(
        10, "--min-class-rows", min=1, help="labels with fewer training rows count as rare"
    ),
    families: str = typer.Option(
        None,
        "--families",
        help="only these model families may be saved, comma-separated (e.g. linear_svm); "
        "the plain baseline is still scored and shown",
    ),
    zero_shot: bool = typer.Option(
        None,
        "--zero-shot/--no-zero-shot",
        help="also score zero-shot categories (default: when labels are the taxonomy's)",
    ),
    taxonomy: Path = typer.Option(
        None, "--taxonomy", help="category,description CSV (default: seeds/category_taxonomy.csv)"
    ),
    transformer: str = typer.Option(
        "auto",
        "--transformer",
        help="fine-tuned all-MiniLM-L6-v2 candidate: auto (only on a GPU), on (any device, "
        "within --budget-minutes) or off",
    ),
) -> None:
    """Train and register classifiers: grid search, calibration, holdout report."""
    from flows.classifier_steps import load_training_data, train_task
    from ml.datasets import (
        DataError,
        TextSpec,
        finish_labels,
        load_labelled_file,
        task_name_for,
    )
    from ml.training import RARE_LABEL_POLICIES, TRANSFORMER_MODES, TrainingOptions

    settings = get_settings()
    labels = split_names(label) or (("category", "priority") if data is None else ())
    if not labels:
        fail("name the label column with --label (e.g. --label category)")
    if task and len(labels) > 1:
        fail("--task names one model; give one --label with it")
    if rare_labels not in RARE_LABEL_POLICIES:
        fail(f"--rare-labels takes {' or '.join(RARE_LABEL_POLICIES)}, not {rare_labels!r}")
    if transformer not in TRANSFORMER_MODES:
        fail(f"--transformer takes {', '.join(TRANSFORMER_MODES)}, not {transformer!r}")
    command = "supportlake " + shlex.join(["train", *sys.argv[2:]])
    with ExitStack() as stack:
        try:
            corrections_from = _land_corrections(stack, settings, corrections, data)
        except (CorrectionsError, DbtError, ValueError) as error:
            fail(str(error))
        for label_column in labels:
            task_name = task or task_name_for(label_column, data)
            spec = TextSpec(split_names(text), label_column, mapping)
            options = TrainingOptions(
                task=task_name,
                folds=folds,
                holdout_share=holdout_share,
                seed=seed,
                quick=quick,
                n_jobs=jobs,
                max_rows=max_rows,
                zero_shot=zero_shot,
                taxonomy=taxonomy,
                budget_minutes=budget_minutes,
                rare_labels=rare_labels,
                min_class_rows=min_class_rows,
                families=split_names(families),
                transformer=transformer,
            )
            try:
                with console.status(f"loading {task_name} training data"):
                    labelled = load_training_data(
                        settings,
                        task_name,
                        data_path=data,
                        spec=spec,
                        corrections_from=corrections_from,
                        max_rows=max_rows,
                    )
                    holdout_data = None
                    if holdout is not None:
                        holdout_data = finish_labels(load_labelled_file(holdout, spec))
                with progress_bar() as progress:
                    bar = progress.add_task(
                        f"training {task_name} on {len(labelled.frame):,} rows", total=None
                    )
                    run = train_task(
                        settings,
                        options,
                        labelled,
                        holdout_data,
                        command=command,
                        progress=_progress_callback(progress, bar),
                    )
            except (DataError, FileNotFoundError, ValueError) as error:
                fail(str(error))
            _print_training(run)


def _land_corrections(
    stack: ExitStack, settings: Settings, corrections: Path | None, data: Path | None
) -> Settings | None:
    """A --corrections file goes through ingest and the corrections mart like any correction:
    into the warehouse trained from, or with --data into a temporary one of its own (kept
    open on `stack`). The settings of the warehouse whose mart then holds it, or None."""
    if corrections is None:
        return None
    with console.status(f"loading corrections {corrections}") as status:

        def show(done: int, total: int) -> None:  # dbt's node lines stay in its log file
            status.update(f"building marts.ticket_corrections_latest ({done}/{total})")

        if data is None:
            result = load_corrections(settings, corrections, show)
            target = settings
        else:
            target, result = stack.enter_context(corrections_on_their_own(corrections, show))
    console.print(describe_load(result), soft_wrap=True)
    return target


def _progress_callback(progress, bar):
    """Training's (step, done, total) reports as one rich bar; total 0 changes only the text."""

    def show(step: str, done: int, total: int) -> None:
        if total:
            progress.update(bar, description=step, completed=done, total=total)
        else:
            progress.update(bar, description=step)

    return show


def predict(
    data: Path = typer.Option(..., "--data", help="file to classify (CSV/TSV/parquet/JSON)"),
    out: Path = typer.Option(..., "--out", help="where to write (.csv/.parquet/.json/.jsonl)"),
    task: str = typer.Option(
        None,
        "--task",
        help="model task(s), comma-separated; default: the warehouse's tasks (category, "
        "priority) that have a model. Models trained on an outside file are used only when "
        "named here",
    ),
    text: str = typer.Option(None, "--text", help="text column(s); default: as in training"),
    mapping: str = typer.Option(None, "--mapping", help="column mapping YAML"),
    batch_size: int = typer.Option(20_000, "--batch-size", min=1),
) -> None:
    """Classify a file with the current models: its rows plus label, confidence, reasons."""
    from ml import registry
    from ml.datasets import (
        WAREHOUSE_TASKS,
        DataError,
        TextSpec,
        load_unlabelled_file,
        read_table,
        write_table,
    )
    from ml.scoring import PipelineScorer, predict_in_batches

    settings = get_settings()
    available = registry.list_tasks(settings.models_dir)
    tasks = split_names(task) or tuple(name for name in WAREHOUSE_TASKS if name in available)
    if not tasks:
        others = ", ".join(available)
        fail(
            f"no category or priority model under {settings.models_dir}"
            + (f"; models trained on files: {others} (name one with --task)" if others else "")
            + "; run `supportlake train` first"
        )
    try:
        models = [registry.load_model(settings.models_dir, name) for name in tasks]
        trained = TextSpec.from_dict(models[0].metadata["data"]["spec"])
        spec = TextSpec(split_names(text) or trained.text_columns, None, mapping or trained.mapping)
        try:
            frame = load_unlabelled_file(data, spec)
        except DataError:
            if text:
                raise
            # The trained column names are absent: fall back to subject/message in the file.
            frame = load_unlabelled_file(data, TextSpec((), None, mapping))
        original = read_table(data)
    except (DataError, FileNotFoundError) as error:
        fail(str(error))
    scorers = {
        model.task: PipelineScorer(model.task, model.version, model.load_pipeline(), model.metadata)
        for model in models
    }
    with progress_bar() as progress:
        bar = progress.add_task("predicting", total=len(frame))
        predictions = predict_in_batches(
            scorers, frame, batch_size, on_batch=lambda rows: progress.advance(bar, rows)
        )
    for scorer in scorers.values():
        # Whether the confidence clears the model's 90%-precision threshold (see its report).
        predictions[f"{scorer.task}_routable"] = scorer.routable(predictions)
    result = original.reset_index(drop=True).join(predictions, rsuffix="_predicted")
    try:
        write_table(result, out)
    except DataError as error:
        fail(str(error))
    versions = ", ".join(f"{scorer.task}={scorer.version}" for scorer in scorers.values())
    console.print(
        f"[green]predicted[/] {len(result):,} rows with {versions} -> {out} "
        f"({len(predictions.columns)} prediction columns added)"
    )
    for scorer in scorers.values():
        routable = int(predictions[f"{scorer.task}_routable"].sum())
        threshold = scorer.routing_threshold
        console.print(
            f"  {scorer.task}: {routable:,} of {len(predictions):,} rows routable "
            + (
                f"(confidence >= {threshold:.3f}, 90% precise on the holdout)"
                if threshold is not None
                else "(the model has no 90%-precision threshold)"
            )
        )


def score(
    rescore_all: bool = typer.Option(
        False, "--all", help="re-score every ticket, not only those lacking current predictions"
    ),
    batch_size: int = typer.Option(20_000, "--batch-size", min=1),
    zero_shot: bool = typer.Option(
        True,
        "--zero-shot/--no-zero-shot",
        help="without a trained category model, use zero-shot categories",
    ),
) -> None:
    """Score marts.tickets with the current models into ml.ticket_predictions."""
    from flows.classifier_steps import score_warehouse
    from ml.datasets import DataError

    settings = get_settings()
    if not settings.warehouse.exists():  # opening it to find out would leave an empty file
        fail(
            f"no warehouse at {settings.warehouse}: run `supportlake ingest` and "
            "`supportlake build` first"
        )
    try:
        with progress_bar() as progress:
            bar = progress.add_task("scoring tickets", total=None)
            summary = score_warehouse(
                settings,
                batch_size=batch_size,
                rescore_all=rescore_all,
                zero_shot_category=zero_shot,
                on_start=lambda total: progress.update(bar, total=total),
                on_batch=lambda rows: progress.advance(bar, rows),
            )
    except (DataError, FileNotFoundError) as error:
        fail(str(error))
    versions = ", ".join(f"{task}={version}" for task, version in summary.versions.items())
    console.print(
        f"[green]scored[/] {summary.rows_scored:,} of {summary.rows_in_mart:,} tickets in "
        f"{summary.batches} batches ({summary.seconds:.1f} s) with {versions}"
    )
    if summary.removed_stale:
        console.print(
            f"  removed {summary.removed_stale:,} predictions of tickets no longer in marts"
        )
    for note in summary.notes:
        console.print(f"  note: {note}")
    console.print(f"-> {summary.table} in {settings.warehouse}")


def rollback(
    task: str = typer.Option(..., "--task", help="the model task to move back"),
    to: str = typer.Option(
        None, "--to", help="version to make current (default: the one before the current)"
    ),
) -> None:
    """Move a task's `current` model back to the previous (or a named) version."""
    from ml import registry

    settings = get_settings()
    try:
        before, after = registry.rollback(settings.models_dir, task, to)
    except FileNotFoundError as error:
        fail(str(error))
    console.print(f"[green]{task}[/]: current {before} -> {after}", soft_wrap=True)
    console.print("  run `supportlake score --all` to re-score the warehouse with it")


def register(app: typer.Typer) -> None:
    for command in (train, predict, score, rollback):
        app.command()(command)
