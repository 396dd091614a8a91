"""The dbt build step shared by the demo and the scheduled refresh."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from flows.retries import is_io_error
from supportlake.settings import Settings


@task(retries=2, retry_delay_seconds=30, retry_condition_fn=is_io_error, cache_policy=NO_CACHE)
def build_warehouse(settings: Settings) -> str:
    """`dbt build` of the whole project; a locked warehouse is retried, failing tests are not."""
    from supportlake.transform import run_dbt

    return run_dbt(["build"], settings).summary()
