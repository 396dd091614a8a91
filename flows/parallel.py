"""Partition-parallel steps on Prefect's Dask task runner: when one machine is not enough.

Generation is the model case: partition i is drawn from its own random stream and written
atomically, so partitions are independent tasks that any worker on any machine can run, and
the result never depends on how many workers ran them. Point `address` at a Dask scheduler
(`dask scheduler` + `dask worker tcp://...` on other machines, sharing the output folder) to
spread the partitions over a cluster; without it a local cluster of `workers` processes runs
them. docs/operations.md measures this and shows the same pattern for embeddings and scoring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect_dask import DaskTaskRunner

from supportlake.generate.tickets import (
    MessRates,
    PartitionJob,
    PartitionStats,
    build_model,
    parse_formats,
    plan_partitions,
    write_partition,
)


@dataclass
class ParallelRun:
    partitions: int
    rows: int
    files: list[Path]
    seconds: float
    runner: str


@task(retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def write_partition_task(job: PartitionJob) -> PartitionStats:
    return write_partition(job)


@flow
def generate_partitions(
    out_dir: str,
    rows: int,
    seed: int = 0,
    rows_per_partition: int = 200_000,
    formats: tuple[str, ...] = ("parquet",),
) -> ParallelRun:
    """One task per partition, submitted together: the task runner decides where each runs."""
    started = time.perf_counter()
    build_model(seed, rows)  # fail on bad seeds here, not on every worker
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    jobs = plan_partitions(
        folder, seed, rows, rows_per_partition, parse_formats(formats), MessRates()
    )
    futures = write_partition_task.map(jobs)
    stats = sorted((future.result() for future in futures), key=lambda item: item.index)
    return ParallelRun(
        partitions=len(stats),
        rows=sum(item.rows for item in stats),
        files=[path for item in stats for path in item.files],
        seconds=time.perf_counter() - started,
        runner="",
    )


def dask_runner(workers: int = 2, address: str | None = None) -> DaskTaskRunner:
    """A local cluster of `workers` single-threaded processes, or the cluster at `address`."""
    if address:
        return DaskTaskRunner(address=address)
    return DaskTaskRunner(
        cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True}
    )


def generate_on_dask(
    out_dir: Path, rows: int, *, workers: int = 2, address: str | None = None, **options
) -> ParallelRun:
    """generate_partitions with its tasks on Dask workers (a local cluster or `address`)."""
    runner = dask_runner(workers, address)
    # prefect_dask's runner is a TaskRunner of its own future type, which Prefect's hint omits.
    flow = generate_partitions.with_options(task_runner=runner)  # type: ignore[arg-type]
    run = flow(str(out_dir), rows, **options)
    run.runner = f"DaskTaskRunner({address or f'local, {workers} processes'})"
    return run
