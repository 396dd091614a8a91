"""DuckLake with its catalog in a real PostgreSQL: the fixtures' dbt build gives the marts of
the single-file build row for row; two ingests and a build at once lose nothing; every commit
is a snapshot a reader can go back to."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from supportlake.catalog import snapshots
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import WITHOUT_UNIT_TESTS, run_dbt
from supportlake.warehouse import open_warehouse
from tests.rows import rounded_rows

LANDING = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
SUPPORTLAKE = Path(sys.executable).parent / "supportlake"


def tables(settings: Settings, schema: str) -> list[str]:
    with open_warehouse(settings, read_only=True) as connection:
        return [
            row[0]
            for row in connection.execute(
                "select table_name from duckdb_tables() where database_name = current_database() "
                "and schema_name = ? order by 1",
                [schema],
            ).fetchall()
        ]


def count(settings: Settings, relation: str) -> int:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(f"select count(*) from {relation}").fetchall()[0][0]


# The models and seeds only: the reference needs the marts, and the same build with its data
# tests on the single file is `make dbt-fixtures`, which runs before pytest.
MODELS_ONLY = (*WITHOUT_UNIT_TESTS, "--exclude-resource-type", "test")
# The concurrent build: the seeds, the ticket and the chat marts with everything upstream and
# the data tests among them, what reads the raw tables the ingests write (a third of the
# project's nodes; the whole project on DuckLake is `ducklake`'s). Cautious indirect selection
# (dbt's own setting) leaves out the tests that also read a mart outside the selection.
TICKETS_AND_CHATS = "+path:models/marts/tickets +path:models/marts/chats resource_type:seed"


@pytest.fixture(scope="module")
def single_file(tmp_path_factory) -> Settings:
    """The fixtures ingested into a single DuckDB file and built there (the default backend)."""
    settings = Settings.in_folder(tmp_path_factory.mktemp("single_file"))
    ingest_path(LANDING, settings)
    run_dbt(["build", *MODELS_ONLY], settings)
    return settings


@pytest.fixture(scope="module")
def ducklake(tmp_path_factory, single_file: Settings, new_postgres_catalog) -> Settings:
    """The same raw rows (load ids and times included) in DuckLake on PostgreSQL, built there."""
    root = tmp_path_factory.mktemp("ducklake")
    settings = Settings.in_folder(root, catalog=new_postgres_catalog())
    with open_warehouse(settings) as connection:
        connection.execute(f"attach '{single_file.warehouse}' as single_file (read_only)")
        connection.execute("create schema raw")
        for table in tables(single_file, "raw"):
            connection.execute(f"create table raw.{table} as from single_file.raw.{table}")
        connection.execute("detach single_file")
    run_dbt(["build", *WITHOUT_UNIT_TESTS], settings)
    return settings


def test_the_ducklake_build_gives_the_single_file_marts_row_for_row(single_file, ducklake):
    marts = tables(single_file, "marts")
    assert "tickets" in marts and len(marts) >= 15
    assert tables(ducklake, "marts") == marts
    assert list((ducklake.lake / "ducklake").rglob("*.parquet")), "data as parquet in the lake"
    differing = {}
    with open_warehouse(ducklake, read_only=True) as connection:
        connection.execute(f"attach '{single_file.warehouse}' as single_file (read_only)")
        for mart in marts:
            only_in = connection.execute(
                f"select (select count(*) from (from marts.{mart} "
                f"except all from single_file.marts.{mart})), "
                f"(select count(*) from (from single_file.marts.{mart} "
                f"except all from marts.{mart}))"
            ).fetchall()[0]
            if only_in != (0, 0) and rounded_rows(connection, f"marts.{mart}") != rounded_rows(
                connection, f"single_file.marts.{mart}"
            ):
                differing[mart] = only_in
    assert not differing, f"rows only in DuckLake / only in the file, per mart: {differing}"


def test_a_reader_as_of_an_earlier_snapshot_sees_the_lake_before_the_build(ducklake):
    with open_warehouse(ducklake, read_only=True) as connection:
        history = snapshots(connection)
    assert [s.snapshot_id for s in history] == sorted(s.snapshot_id for s in history)
    first_marts = next(i for i, s in enumerate(history) if "marts" in s.changes)
    before_build = history[first_marts - 1].snapshot_id  # raw copied, dbt not yet run
    then = ducklake.model_copy(update={"catalog_as_of": str(before_build)})
    assert tables(then, "marts") == []
    assert count(then, "raw.tickets") == count(ducklake, "raw.tickets")
    at_time = ducklake.model_copy(update={"catalog_as_of": str(history[-1].taken_at)})
    assert tables(at_time, "marts") == tables(ducklake, "marts")


def command(settings: Settings, *args: str, **more_environment: str) -> subprocess.Popen:
    environment = os.environ | {
        "SUPPORTLAKE_WAREHOUSE": str(settings.warehouse),
        "SUPPORTLAKE_SERVING_WAREHOUSE": str(settings.serving_warehouse),
        "SUPPORTLAKE_LAKE": str(settings.lake),
        "SUPPORTLAKE_MODELS_DIR": str(settings.models_dir),
        "SUPPORTLAKE_CATALOG": settings.catalog.removeprefix("ducklake:"),
        "PREFECT_HOME": str(settings.prefect_home),
        **more_environment,
    }
    return subprocess.Popen(
        [str(SUPPORTLAKE), *args],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finished(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, f"{process.args} failed:\n{output[-3000:]}"
    return output


def test_two_ingests_and_a_build_at_once_lose_nothing(
    tmp_path_factory, single_file, new_postgres_catalog
):
    root = tmp_path_factory.mktemp("concurrent")
    settings = Settings.in_folder(root, catalog=new_postgres_catalog())
    finished(command(settings, "ingest", str(LANDING / "tickets")))
    running = [
        command(
            settings, "build", "--select", TICKETS_AND_CHATS, DBT_INDIRECT_SELECTION="cautious"
        ),
        command(settings, "ingest", str(LANDING / "chats")),
        command(settings, "ingest", str(LANDING / "tweets")),
    ]
    for process in running:
        finished(process)
    for source in ("tickets", "chats", "tweets"):
        assert count(settings, f"raw.{source}") == count(single_file, f"raw.{source}"), source
    loaded = count(settings, "raw.load_manifest where status = 'loaded'")
    assert loaded == count(single_file, "raw.load_manifest where status = 'loaded'")
    assert count(settings, "marts.tickets") == count(single_file, "marts.tickets")
