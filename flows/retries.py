"""When a failed task is worth retrying: only for what a later attempt can fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

from supportlake.warehouse import IO_ERRORS

if TYPE_CHECKING:  # type-only: a direct run (flows/runner.py) retries without importing Prefect
    from prefect.client.schemas.objects import TaskRun
    from prefect.states import State


def is_io_error(task: object, task_run: TaskRun, state: State) -> bool:
    """A locked or unreachable file is retried; bad content fails the same way every time."""
    try:
        state.result()
    except IO_ERRORS:
        return True
    except Exception as error:  # noqa: BLE001 -- dbt wraps a locked warehouse in its own error
        return "lock" in str(error).lower()
    return False
