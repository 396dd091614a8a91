"""The serving copy after a build copies only the tables that build wrote (the rest comes from
the previous copy as a file) and still equals the warehouse, table for table; after a build
that stopped before publishing, the next copy takes every table."""

from __future__ import annotations

import shutil
from pathlib import Path

from supportlake.ingest import ingest_path
from supportlake.serving import note_build_started, open_serving
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

TICKETS = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "tickets"
MARTS = ["--select", "+path:models/marts/tickets", "--indirect-selection", "cautious"]
ONE_MART = ["--select", "tickets", "agg_ticket_volume_daily"]


def _tables(connection) -> dict[str, list[tuple]]:
    names = connection.execute(
        "select table_name from duckdb_tables() "
        "where database_name = current_database() and schema_name = 'marts' order by 1"
    ).fetchall()
    return {
        name: sorted(connection.execute(f'select * from marts."{name}"').fetchall(), key=repr)
        for (name,) in names
    }


def _same_marts(settings: Settings) -> None:
    with open_warehouse(settings, read_only=True) as warehouse:
        expected = _tables(warehouse)
    with open_serving(settings) as serving:
        assert _tables(serving) == expected


def test_the_serving_copy_takes_only_what_a_build_wrote(tmp_path):
    settings = Settings.in_folder(tmp_path / "warehouse")
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    shutil.copy(TICKETS / "2024-06_helpdesk_export.csv", first)
    shutil.copy(TICKETS / "2024-06_helpdesk_export_reexport.csv", later)
    ingest_path(first, settings=settings, source="tickets")
    everything = run_dbt(["build", *MARTS, "--exclude-resource-type", "unit_test"], settings)
    assert "copied" not in everything.published  # the first copy takes every table
    tables = int(everything.published.split(": ")[1].split(" tables")[0])

    ingest_path(later, settings=settings, source="tickets")
    two = run_dbt(["run", *ONE_MART], settings)
    assert f"{tables} tables (2 copied, the others kept" in two.published
    _same_marts(settings)  # the kept marts were not rebuilt: still equal to the warehouse

    note_build_started(settings)  # a build that wrote marts, then stopped before publishing
    after_a_stop = run_dbt(["run", "--select", "agg_ticket_volume_daily"], settings)
    assert "copied" not in after_a_stop.published
    _same_marts(settings)
