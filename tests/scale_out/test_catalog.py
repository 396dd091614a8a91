"""SUPPORTLAKE_CATALOG on one machine (a .ducklake file): the ingest writes the same raw rows
as into the single file, `supportlake snapshots` lists the commits, and what cannot work is
refused with a message that says why."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from supportlake.catalog import as_of
from supportlake.cli import app
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

TICKETS = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "tickets"


def raw_counts(settings: Settings) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(
            "select source, status, sum(rows_loaded), sum(rows_quarantined), "
            "(select count(*) from raw.tickets) from raw.load_manifest group by all order by all"
        ).fetchall()


def test_ingest_into_a_ducklake_file_keeps_the_single_file_rows(tmp_path, monkeypatch):
    single = Settings.in_folder(tmp_path / "single")
    lake = Settings.in_folder(tmp_path / "lake", catalog=f"ducklake:{tmp_path}/c.ducklake")
    ingest_path(TICKETS, single)
    ingest_path(TICKETS, lake)

    assert raw_counts(lake) == raw_counts(single)
    assert not lake.warehouse.exists(), "nothing goes to the single file"
    monkeypatch.setenv("SUPPORTLAKE_CATALOG", lake.catalog)
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(lake.lake))
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(lake.warehouse))
    result = CliRunner().invoke(app, ["snapshots", "--last", "50"])
    assert result.exit_code == 0, result.output
    assert "schemas_created: raw" in result.output
    assert "tables_created: raw.tickets" in result.output


def test_a_relative_catalog_file_is_made_absolute_and_other_schemes_are_refused():
    assert Settings(catalog="ducklake:rel/c.ducklake").catalog == (
        f"ducklake:{Path('rel/c.ducklake').resolve()}"
    )
    assert (
        Settings(catalog="postgres:dbname=x host=h").catalog == "ducklake:postgres:dbname=x host=h"
    )
    with pytest.raises(ValidationError, match="expected ducklake:<file> or postgres:<connection>"):
        Settings(catalog="sqlite:/tmp/c.db")


def test_as_of_on_the_single_file_says_it_keeps_no_history(tmp_path):
    settings = Settings.in_folder(tmp_path)
    assert as_of(settings, None) is settings
    with pytest.raises(ValueError, match="single-file warehouse keeps no snapshots"):
        as_of(settings, "3")


def test_a_reader_of_a_catalog_that_does_not_exist_is_told_to_ingest(tmp_path):
    settings = Settings.in_folder(tmp_path, catalog=f"ducklake:{tmp_path}/missing.ducklake")
    with (
        pytest.raises(FileNotFoundError, match="run `supportlake ingest`"),
        open_warehouse(settings, read_only=True),
    ):
        pass
