"""When a failed task is worth retrying: only for what a later attempt can fix."""

from __future__ import annotations

from typing import Protocol

from supportlake.warehouse import IO_ERRORS


class FinishedState(Protocol):
    """A Prefect State, or flows/runner.py's FailedState in a direct run: result() raises."""

    def result(self, raise_on_failure: bool = True) -> object: ...


def is_io_error(task: object, task_run: object, state: FinishedState) -> bool:
    """A locked or unreachable file is retried; bad content fails the same way every time."""
    try:
        state.result()
    except IO_ERRORS:
        return True
    except Exception as error:  # noqa: BLE001 -- dbt wraps a locked warehouse in its own error
        return "lock" in str(error).lower()
    return False
