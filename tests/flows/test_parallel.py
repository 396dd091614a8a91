"""Partition-parallel generation on Prefect's Dask task runner (a real local Dask cluster)."""

from __future__ import annotations

import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.parallel import generate_on_dask
from supportlake.generate.tickets import generate_tickets


@pytest.mark.slow
def test_dask_workers_write_the_same_partitions_as_one_process(tmp_path):
    expected = generate_tickets(
        tmp_path / "one", rows=1_200, seed=5, rows_per_partition=400, workers=1, progress=False
    )
    with prefect_test_harness(server_startup_timeout=90):
        run = generate_on_dask(tmp_path / "dask", 1_200, workers=2, seed=5, rows_per_partition=400)

    assert run.partitions == 3 and run.rows == expected.rows
    assert [path.name for path in run.files] == [path.name for path in expected.files]
    for ours, theirs in zip(run.files, expected.files, strict=True):
        assert ours.read_bytes() == theirs.read_bytes(), f"{ours.name} depends on the runner"
