"""The model registry: one versioned folder per training run, one `current` pointer per task.

    <models_dir>/classifiers/<task>/<version>/model.joblib     the fitted Pipeline, whole
    <models_dir>/classifiers/<task>/<version>/metadata.json    data hash, labels, metrics, ...
    <models_dir>/classifiers/<task>/current                    the version scoring uses
    <models_dir>/classifiers/<task>/history                    every move of `current`

Models of another kind (the topic k-means, kind=TOPICS) keep the same layout under their own
root (<models_dir>/topics/<task>/...), so they never show up where classifier tasks are listed.

Every run also appends a row to ml.model_runs in the warehouse. Model files are joblib pickles:
load only models this project trained (pickles run code when loaded).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import joblib
import pandas as pd

from ml.schema import ensure_ml_schema
from supportlake.settings import PROJECT_ROOT
from supportlake.warehouse import transaction

MODEL_FILE = "model.joblib"
METADATA_FILE = "metadata.json"
POINTER_FILE = "current"
HISTORY_FILE = "history"  # one line per pointer move: <UTC time> <version> <why>
ROLLBACK_REASON = "rollback"
CLASSIFIERS = "classifiers"  # kinds of model: the registry root folder of each
TOPICS = "topics"
REGISTRY_FOLDER = CLASSIFIERS


@dataclass
class RegisteredModel:
    task: str
    version: str
    folder: Path
    metadata: dict

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_FILE

    def load_pipeline(self):
        return joblib.load(self.model_path)


def task_folder(models_dir: Path, task: str, kind: str = CLASSIFIERS) -> Path:
    return Path(models_dir) / kind / task


def data_hash(frame: pd.DataFrame) -> str:
    """sha256 over the rows' content, independent of the row index."""
    hashes = pd.util.hash_pandas_object(frame.reset_index(drop=True).astype(str), index=False)
    return hashlib.sha256(hashes.to_numpy().tobytes()).hexdigest()


def code_version() -> str | None:
    """`<git sha>` of the checkout, with `-dirty` when files differ from it; None outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if sha.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return sha.stdout.strip() + ("-dirty" if status.stdout.strip() else "")


def new_version(task: str, content_hash: str, models_dir: Path, *, kind: str = CLASSIFIERS) -> str:
    """`<task>-<UTC timestamp>-<first 8 of the data hash>`: unique, and readable in tables."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    version = f"{task}-{stamp}-{content_hash[:8]}"
    folder = task_folder(models_dir, task, kind)
    suffix = 1
    while (folder / version).exists():
        suffix += 1
        version = f"{task}-{stamp}-{content_hash[:8]}-{suffix}"
    return version


def save_model(
    models_dir: Path,
    task: str,
    version: str,
    pipeline,
    metadata: dict,
    *,
    kind: str = CLASSIFIERS,
) -> Path:
    """Write model and metadata into a temporary folder, then rename: no half-saved versions."""
    target = task_folder(models_dir, task, kind) / version
    partial = target.with_name(f".{version}.partial")
    partial.mkdir(parents=True, exist_ok=False)
    joblib.dump(pipeline, partial / MODEL_FILE, compress=3)
    (partial / METADATA_FILE).write_text(json.dumps(metadata, indent=2, default=str))
    partial.rename(target)
    return target


def set_current(
    models_dir: Path, task: str, version: str, reason: str = "trained", *, kind: str = CLASSIFIERS
) -> None:
    """Point the task at `version` (atomic replace of the pointer file), noted in history."""
    folder = task_folder(models_dir, task, kind)
    if not (folder / version / MODEL_FILE).exists():
        raise FileNotFoundError(f"no model {task}/{version} under {folder}")
    pointer = folder / POINTER_FILE
    partial = folder / f".{POINTER_FILE}.partial"
    partial.write_text(version + "\n")
    os.replace(partial, pointer)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with (folder / HISTORY_FILE).open("a") as history:
        history.write(f"{stamp} {version} {reason}\n")


def _history_lines(models_dir: Path, task: str, kind: str) -> list[tuple[str, str]]:
    path = task_folder(models_dir, task, kind) / HISTORY_FILE
    if not path.exists():
        return []
    entries = []
    for line in path.read_text().splitlines():
        parts = line.split(maxsplit=2)
        if len(parts) >= 2:
            entries.append((parts[1], parts[2] if len(parts) > 2 else ""))
    return entries


def promotion_stack(models_dir: Path, task: str, *, kind: str = CLASSIFIERS) -> list[str]:
    """Versions that were made current and not rolled back since, oldest first."""
    stack: list[str] = []
    for version, reason in _history_lines(models_dir, task, kind):
        if reason.startswith(ROLLBACK_REASON) and stack:
            stack.pop()
        else:
            stack.append(version)
    return stack


def rollback(
    models_dir: Path, task: str, to: str | None = None, *, kind: str = CLASSIFIERS
) -> tuple[str, str]:
    """Move `current` back: to `to`, or to the version made current before the present one.

    Returns (from, to). Rolling back twice goes back two promotions.
    """
    current = current_version(models_dir, task, kind=kind)
    if current is None:
        raise FileNotFoundError(
            f"no current {task} model under {task_folder(models_dir, task, kind)}"
        )
    if to is None:
        stack = promotion_stack(models_dir, task, kind=kind)
        earlier = [version for version in stack[:-1] if version != current]
        if not earlier:
            earlier = [
                version
                for version in list_versions(models_dir, task, kind=kind)
                if version < current
            ]
        if not earlier:
            raise FileNotFoundError(f"{task}: no earlier model than {current} to roll back to")
        to = earlier[-1]
        set_current(models_dir, task, to, reason=f"{ROLLBACK_REASON} from {current}", kind=kind)
    else:
        set_current(models_dir, task, to, reason=f"set by hand (was {current})", kind=kind)
    return current, to


def current_version(models_dir: Path, task: str, *, kind: str = CLASSIFIERS) -> str | None:
    pointer = task_folder(models_dir, task, kind) / POINTER_FILE
    return pointer.read_text().strip() if pointer.exists() else None


def load_model(
    models_dir: Path, task: str, version: str | None = None, *, kind: str = CLASSIFIERS
) -> RegisteredModel:
    """The current (or a named) model of `task`; errors say how to get one."""
    version = version or current_version(models_dir, task, kind=kind)
    if version is None:
        raise FileNotFoundError(
            f"no current {task} model under {task_folder(models_dir, task, kind)}: "
            f"run `supportlake train --label {task}` first"
        )
    folder = task_folder(models_dir, task, kind) / version
    if not (folder / MODEL_FILE).exists():
        raise FileNotFoundError(f"model {task}/{version} is missing its {MODEL_FILE} in {folder}")
    metadata = json.loads((folder / METADATA_FILE).read_text())
    return RegisteredModel(task, version, folder, metadata)


def list_tasks(models_dir: Path) -> list[str]:
    """Tasks that have a current model."""
    root = Path(models_dir) / REGISTRY_FOLDER
    if not root.exists():
        return []
    return sorted(folder.name for folder in root.iterdir() if (folder / POINTER_FILE).exists())


def list_versions(models_dir: Path, task: str, *, kind: str = CLASSIFIERS) -> list[str]:
    folder = task_folder(models_dir, task, kind)
    if not folder.exists():
        return []
    return sorted(
        child.name
        for child in folder.iterdir()
        if child.is_dir() and not child.name.startswith(".") and (child / MODEL_FILE).exists()
    )


def tasks_to_train(models_dir: Path, tasks, *, retrain: bool) -> tuple[list[str], dict[str, str]]:
    """(tasks to train, task -> why skipped): a task trains when it has no current model,
    or always with `retrain`."""
    to_train, skipped = [], {}
    for task in tasks:
        current = current_version(models_dir, task)
        if current and not retrain:
            skipped[task] = f"current model {current} kept"
        else:
            to_train.append(task)
    return to_train, skipped


def record_model_run(connection: duckdb.DuckDBPyConnection, row: dict) -> None:
    """Insert the run's row into ml.model_runs (replacing a row of the same version)."""
    ensure_ml_schema(connection)
    frame = pd.DataFrame([row])
    connection.register("model_run_row", frame)
    try:
        with transaction(connection):
            connection.execute(
                "delete from ml.model_runs where model_version = ?", [row["model_version"]]
            )
            connection.execute("insert into ml.model_runs by name select * from model_run_row")
    finally:
        connection.unregister("model_run_row")
