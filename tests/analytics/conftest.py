"""A warehouse file holding a synthetic marts.tickets and the measures mart dbt builds from it
(the real model, `dbt run --select agg_ticket_measures_daily`): the report reads both."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd

from supportlake.settings import Settings
from supportlake.transform import run_dbt


def build_report_warehouse(tickets: pd.DataFrame, root: Path, *, then: str = "") -> Path:
    """marts.tickets from `tickets` (changed by the SQL `then`), then the real dbt model over
    it; returns the file."""
    settings = Settings.in_folder(root)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse)) as connection:
        connection.execute("create schema marts; create schema ml")
        connection.register("frame", tickets)
        # marts.tickets carries each row's load time: the measures mart is incremental and
        # reads it as its watermark
        connection.execute(
            "create table marts.tickets as "
            "select *, timestamp '2025-03-20' as _loaded_at from frame"
        )
        if then:
            connection.execute(then)
    run_dbt(
        ["run", "--select", "agg_ticket_measures_daily", "--target-path", str(root / "target")],
        settings,
    )
    return settings.warehouse


def open_copy(warehouse: Path, folder: Path) -> duckdb.DuckDBPyConnection:
    """A writable connection to a private copy, so a test may add tables of its own."""
    copy = folder / "report_warehouse.duckdb"
    shutil.copyfile(warehouse, copy)
    return duckdb.connect(str(copy))
