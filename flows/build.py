"""The dbt build step shared by the demo and the scheduled refresh."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.retries import is_io_error
from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.settings import Settings
from supportlake.warehouse_lock import WarehouseLocked


def retry_unless_waited(task: object, task_run, state) -> bool:
    """An unreachable file is retried; a warehouse another process held for the whole
    warehouse_lock_timeout_seconds is not (the run already waited as long as configured)."""
    try:
        state.result()
    except WarehouseLocked:
        return False
    except Exception:  # noqa: BLE001 -- the general rule decides
        return is_io_error(task, task_run, state)
    return False


@task(
    retries=2, retry_delay_seconds=30, retry_condition_fn=retry_unless_waited, cache_policy=NO_CACHE
)
def build_warehouse(settings: Settings, exclude: tuple[str, ...] = ()) -> str:
    """`dbt build` of what the loads since the last successful build changed (everything the
    first time; supportlake/build_plan.py), without dbt's unit tests (CI runs those), then the
    serving copy that readers open (run_dbt publishes it); a locked warehouse is waited for,
    failing tests are not retried. `exclude`: dbt selectors a later step of the same flow
    builds anyway."""
    plan = plan_build(settings)
    if plan.nothing_to_build:
        return f"{plan.reason}: nothing to build"
    result = run_build(settings, plan, exclude=exclude)  # raises when the build failed
    return f"building {plan.reason}: {result.summary()}; {result.published}"
