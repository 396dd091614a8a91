"""Run a flow through Prefect when a Prefect API is configured, else its functions directly.

Without a configured API, Prefect starts a private server in every process that runs a flow
(about 10 s before the first task, and the runs end up in a SQLite file nobody looks at).
So a CLI command calls the same flow and task functions directly, with the tasks' retries,
and says so in one line; with an API (`prefect server start`, Prefect Cloud, the scheduled
deployments of `supportlake deploy`) runs are recorded there as before.
SUPPORTLAKE_PREFECT=always runs flows through Prefect even without an API (its private
server). Prefect is imported only on its own path: the import alone takes 1.5-3 s.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

ALWAYS_PREFECT = "always"
_running_directly: ContextVar[bool] = ContextVar("supportlake_running_directly", default=False)


def prefect_api_url() -> str | None:
    """PREFECT_API_URL from the environment, else from the active Prefect profile
    (`prefect config set PREFECT_API_URL=...` writes it there)."""
    if url := os.environ.get("PREFECT_API_URL"):
        return url
    if "prefect" in sys.modules:  # already paid for: ask Prefect (prefect.toml, test harness)
        from prefect.settings import get_current_settings

        return get_current_settings().api.url or None
    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    profiles_file = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml"))
    try:
        profiles = tomllib.loads(profiles_file.expanduser().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    return profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL") or None


def records_in_prefect() -> bool:
    """Whether a flow started now goes through Prefect (and is recorded there)."""
    if os.environ.get("SUPPORTLAKE_PREFECT", "").lower() == ALWAYS_PREFECT:
        return True
    return prefect_api_url() is not None


def running_directly() -> bool:
    """True inside a flow that run_flow started without Prefect."""
    return _running_directly.get()


@contextmanager
def direct_run() -> Iterator[None]:
    token = _running_directly.set(True)
    try:
        yield
    finally:
        _running_directly.reset(token)


def run_flow(
    name: str,
    load_flow: Callable[[], Any],
    *args: Any,
    direct: Callable[..., Any] | None = None,
    say: Callable[[str], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Run the flow `load_flow()` returns (imported only when Prefect runs it) with these
    arguments: through Prefect when an API is configured, else `direct` (default: the flow's
    own function), with its tasks called as functions, after one line saying so."""
    if records_in_prefect():
        return load_flow()(*args, **kwargs)
    (say or print)(
        f"{name}: run directly (no Prefect API configured; set PREFECT_API_URL to record runs)"
    )
    with direct_run():
        return (direct or load_flow().fn)(*args, **kwargs)


def run_subflow(flow: Any, *args: Any, **kwargs: Any) -> Any:
    """A flow called from another flow: a Prefect subflow, or its function in a direct run."""
    return flow.fn(*args, **kwargs) if running_directly() else flow(*args, **kwargs)


def run_task(task: Any, *args: Any, **kwargs: Any) -> Any:
    """A task called from a flow: a Prefect task run, or in a direct run its function, retried
    as the task's own retries, delay and retry condition say."""
    if not running_directly():
        return task(*args, **kwargs)

    def worth_retrying(error: BaseException) -> bool:
        condition = task.retry_condition_fn
        return condition is None or bool(condition(task, None, FailedState(error)))

    return call_with_retries(
        task.fn,
        *args,
        retries=task.retries or 0,
        delay_seconds=task.retry_delay_seconds or 0,
        worth_retrying=worth_retrying,
        **kwargs,
    )


def run_logger() -> logging.Logger | logging.LoggerAdapter:
    """Prefect's run logger inside a Prefect run; a plain logger in a direct run."""
    if running_directly():
        return logging.getLogger("supportlake.flows")
    from prefect import get_run_logger

    return get_run_logger()


def call_with_retries(
    function: Callable[..., Any],
    *args: Any,
    retries: int,
    delay_seconds: float | list[float],
    worth_retrying: Callable[[BaseException], bool],
    **kwargs: Any,
) -> Any:
    """`function(*args, **kwargs)`, tried again up to `retries` times after an error that
    `worth_retrying` accepts, waiting `delay_seconds` (one value, or one per retry) first."""
    for attempt in range(retries + 1):
        try:
            return function(*args, **kwargs)
        except Exception as error:
            if attempt == retries or not worth_retrying(error):
                raise
            delays = delay_seconds if isinstance(delay_seconds, list) else [delay_seconds]
            wait = delays[min(attempt, len(delays) - 1)] if delays else 0
            logging.getLogger("supportlake.flows").warning(
                "%s failed (%s: %s); retry %d of %d in %s s",
                getattr(function, "__name__", function),
                type(error).__name__,
                error,
                attempt + 1,
                retries,
                wait,
            )
            time.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")


class FailedState:
    """What a Prefect retry condition reads from a failed task's state: result() raises."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def is_completed(self) -> bool:
        return False

    def result(self, raise_on_failure: bool = True) -> BaseException:
        if raise_on_failure:
            raise self.error
        return self.error


@contextmanager
def prefect_console_to(log: Path) -> Iterator[None]:
    """Send what Prefect would print on the terminal (task failures with their tracebacks)
    to `log` instead: a command's summary gives each failure in one line and points at the log."""
    log.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    consoles = [handler for handler in root.handlers if _is_console(handler)]
    to_file = logging.FileHandler(log, encoding="utf-8")
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for handler in consoles:
        root.removeHandler(handler)
    root.addHandler(to_file)
    try:
        yield
    finally:
        root.removeHandler(to_file)
        to_file.close()
        for handler in consoles:
            root.addHandler(handler)


def _is_console(handler: logging.Handler) -> bool:
    return isinstance(handler, logging.StreamHandler) and not isinstance(
        handler, logging.FileHandler
    )
