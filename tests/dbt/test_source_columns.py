"""The raw tables' columns are declared twice, by necessity: in Python (supportlake/sources.py
and the raw DDL in supportlake/raw_schema.py), which the ingest writes, and in the dbt source
YAML, which the models read. This keeps the two the same: names and order, and types where the
YAML states one."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from supportlake.raw_schema import ensure_raw_schema
from supportlake.sources import SOURCES

MODELS = Path(__file__).resolve().parents[2] / "dbt_project" / "models"
# Raw tables only the ingest reads (a mapping's value translations, for `supportlake status`).
NOT_READ_BY_DBT = {"value_translations"}


def python_tables() -> dict[str, dict[str, str]]:
    """raw table -> {column: DuckDB type}, as the ingest creates them."""
    with duckdb.connect() as connection:
        ensure_raw_schema(connection)
        rows = connection.execute(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' order by table_name, ordinal_position"
        ).fetchall()
    tables: dict[str, dict[str, str]] = {}
    for table, column, data_type in rows:
        tables.setdefault(table, {})[column] = data_type
    return tables


def dbt_tables() -> dict[str, tuple[Path, dict[str, str | None]]]:
    """raw table -> (its YAML file, {column: declared data_type or None})."""
    tables = {}
    for path in sorted(MODELS.rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in document.get("sources") or []:
            if source.get("schema", source["name"]) != "raw":
                continue
            for table in source.get("tables") or []:
                columns = {c["name"]: c.get("data_type") for c in table.get("columns") or []}
                tables[table["name"]] = (path, columns)
    return tables


PYTHON = python_tables()
DBT = dbt_tables()


def test_every_python_source_is_a_dbt_source_and_back():
    assert set(SOURCES) <= set(DBT), f"no dbt source for {sorted(set(SOURCES) - set(DBT))}"
    assert set(DBT) <= set(PYTHON), f"dbt reads raw tables nobody writes: {set(DBT) - set(PYTHON)}"
    assert set(PYTHON) - set(DBT) == NOT_READ_BY_DBT


@pytest.mark.parametrize("table", sorted(DBT))
def test_dbt_declares_the_columns_the_ingest_writes(table):
    path, declared = DBT[table]
    written = PYTHON[table]
    where = f"{path.relative_to(MODELS.parent)}, source table {table}"
    assert list(declared) == list(written), (
        f"{where}: columns differ from the raw table the ingest creates; "
        f"only in the YAML {sorted(set(declared) - set(written))}, "
        f"only in Python {sorted(set(written) - set(declared))}"
    )
    for column, data_type in declared.items():
        if data_type:
            assert data_type.upper() == written[column].upper(), (
                f"{where}: {column} is {written[column]} in the raw table, {data_type} in YAML"
            )
