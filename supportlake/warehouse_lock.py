"""Waiting for the warehouse's write lock: one clear line naming the holder, then a clear end.

DuckDB lets one process write a file, and while any other process holds the file (read-only
included) a writer cannot open it. Rather than fail at once, or pile up dbt's log lines, a
writer says once who holds the file and retries until the configured time runs out.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

Opened = TypeVar("Opened")

RETRY_SECONDS = 0.5
# DuckDB: 'Could not set lock on file "...": Conflicting lock is held in /usr/bin/python3 (PID 123)'
_LOCK_ERROR = "could not set lock on file"
_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseLocked(RuntimeError):
    """Another process kept the warehouse for longer than the writer was willing to wait."""

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


def is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and _LOCK_ERROR in str(error).lower()


def lock_holder(error: BaseException) -> tuple[int | None, str]:
    """(PID, "PID 123 (/usr/bin/python3)") of the process named in DuckDB's lock error."""
    found = _HOLDER.search(str(error))
    if not found:
        return None, "another process"
    return int(found["pid"]), f"PID {found['pid']} ({found['program']})"


def open_when_free(
    open_once: Callable[[], Opened],
    path: Path,
    timeout_seconds: float,
    *,
    say: Callable[[str], None] | None = None,
) -> Opened:
    """`open_once()`, retried while another process holds the lock on `path`, for at most
    `timeout_seconds`; the wait is announced once (stderr by default)."""
    say = say or _to_stderr
    deadline = time.monotonic() + max(timeout_seconds, 0.0)
    announced = False
    while True:
        try:
            return open_once()
        except duckdb.IOException as error:
            if not is_lock_error(error):
                raise
            pid, holder = lock_holder(error)
            if time.monotonic() >= deadline:
                raise WarehouseLocked(
                    f"warehouse {path} is still held by {holder} after {timeout_seconds:g} s: "
                    "close that program (BI tools and the dashboard read the serving copy, "
                    "never this file) or raise SUPPORTLAKE_WAREHOUSE_LOCK_TIMEOUT_SECONDS",
                    pid,
                ) from None
            if not announced:
                say(
                    f"warehouse {path} is held by {holder}; "
                    f"waiting up to {timeout_seconds:g} s for it to close"
                )
                announced = True
        time.sleep(min(RETRY_SECONDS, max(deadline - time.monotonic(), 0.0)))


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
