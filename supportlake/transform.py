"""Runs dbt in-process (dbtRunner) against the warehouse the settings name."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from supportlake.serving import note_build_started, publish_serving_copy
from supportlake.settings import PROJECT_ROOT, Settings, apply_offline_environment, get_settings
from supportlake.warehouse import wait_until_writable

DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


# dbt's unit tests check the SQL on fixed inputs: CI runs them (`make test`), a production
# build need not pay for them again. Data tests still run in every build.
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


class DbtError(RuntimeError):
    """dbt finished with errors; the message lists the failing nodes."""


@dataclass
class DbtResult:
    command: str
    success: bool
    counts: dict[str, int] = field(default_factory=dict)  # status -> number of nodes
    failures: list[str] = field(default_factory=list)  # "node: message"
    warnings: list[str] = field(default_factory=list)  # "node: message" of warn-level tests
    published: str | None = None  # the serving copy a successful build published

    def summary(self) -> str:
        parts = ", ".join(f"{count} {status}" for status, count in sorted(self.counts.items()))
        return f"dbt {self.command}: {parts or 'nothing to do'}"


@contextmanager
def _dbt_environment(settings: Settings) -> Iterator[None]:
    """Point profiles.yml at this warehouse for one run, then put everything back: the
    environment as it was, and no DuckDB connection left open by dbt-duckdb (which keeps one
    per process; while it is open, any other connection to the file in this process fails with
    "different configuration")."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    saved = dict(os.environ)
    os.environ.update(settings.dbt_environment())
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()


def dbt_target_path(settings: Settings) -> Path:
    """One dbt target folder per warehouse. dbt keeps its parsed project there
    (partial_parse.msgpack) and throws it away when the profile differs from the last run's,
    and the profile names the warehouse: a shared folder re-parsed the whole project (~8 s)
    on every build that followed one on another warehouse."""
    warehouse = settings.warehouse.resolve()
    digest = hashlib.sha256(str(warehouse).encode()).hexdigest()[:10]
    return settings.lake / "dbt" / f"target-{warehouse.stem}-{digest}"


def _progress_callback(progress: Callable[[int, int], None]) -> Callable:
    """A dbt event callback that reports (nodes finished, nodes in the run)."""
    state = {"done": 0, "total": 0}

    def on_event(event) -> None:
        name = event.info.name
        if name == "LogStartLine":
            state["total"] = max(state["total"], int(event.data.total))
        elif name == "NodeFinished":  # skipped nodes finish too
            state["done"] += 1
            progress(state["done"], max(state["total"], state["done"]))

    return on_event


def _written_tables(results: object) -> list[str]:
    """ "schema.table" of every model this dbt run built (an incremental one included)."""
    return sorted(
        f"{node_result.node.schema}.{node_result.node.alias}"
        for node_result in getattr(results, "results", None) or []
        if str(node_result.node.resource_type) == "model" and str(node_result.status) == "success"
    )


def run_dbt(
    args: Sequence[str],
    settings: Settings | None = None,
    *,
    raise_on_failure: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> DbtResult:
    """Run `dbt <args>` (e.g. ["build", "-s", "tickets"]) on the warehouse of `settings`.

    With `progress`, dbt's per-node lines go only to its log file (lake/logs/dbt/dbt.log) and
    `progress(done, total)` is called as nodes finish, for a progress bar."""
    from dbt.cli.main import dbtRunner  # imported late: dbt's import costs ~3 s

    settings = settings or get_settings()
    apply_offline_environment(settings)
    (settings.lake / "exports" / "marts").mkdir(parents=True, exist_ok=True)
    quiet = ["--log-level", "none", "--log-level-file", "debug"] if progress else []
    # A caller's own target folder (--target-path or DBT_TARGET_PATH) wins.
    chosen = "--target-path" in args or os.environ.get("DBT_TARGET_PATH")
    target = [] if chosen else ["--target-path", str(dbt_target_path(settings))]
    # In our own target folder a run writes run_results.json itself, not manifest.json: dbt
    # writes that before and after every run (~1 CPU s of JSON for this project), and only
    # `dbt docs` reads it, which writes its own. The partial parse file is written either way.
    if not chosen and list(args[:1]) in (["build"], ["run"]) and "--write-json" not in args:
        target.append("--no-write-json")
    invocation = [
        *quiet,
        *args,
        *target,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_ROOT),
        "--log-path",
        str(settings.lake / "logs" / "dbt"),
    ]
    # A held warehouse: one line naming the holder, a wait, then WarehouseLocked; not dbt's pages.
    wait_until_writable(settings)
    writes_marts = list(args[:1]) in (["build"], ["run"])
    # an earlier build stopped before it published: copy every table this time
    serving_behind = note_build_started(settings) if writes_marts else False
    with _dbt_environment(settings):
        callbacks = [_progress_callback(progress)] if progress else []
        result = dbtRunner(callbacks=callbacks).invoke(invocation)
    write_results = getattr(result.result, "write", None)  # a RunExecutionResult's
    if "--no-write-json" in target and write_results is not None:
        write_results(str(dbt_target_path(settings) / "run_results.json"))
    outcome = DbtResult(command=" ".join(args), success=bool(result.success))
    for node_result in getattr(result.result, "results", None) or []:
        status = str(node_result.status)
        outcome.counts[status] = outcome.counts.get(status, 0) + 1
        if status in {"error", "fail", "runtime error"}:
            outcome.failures.append(f"{node_result.node.name}: {node_result.message}")
        elif status == "warn":
            outcome.warnings.append(f"{node_result.node.name}: {node_result.message}")
    if not outcome.success and not outcome.failures and result.exception:
        outcome.failures.append(str(result.exception))  # failed before any node ran
    if raise_on_failure and not outcome.success:
        detail = "\n".join(outcome.failures) or str(result.exception or "see dbt logs")
        raise DbtError(f"dbt {outcome.command} failed:\n{detail}")
    if outcome.success and writes_marts:  # what readers open: the tables this run wrote
        changed = None if serving_behind else _written_tables(result.result)
        outcome.published = publish_serving_copy(settings, changed).summary()
    return outcome
