"""DuckDB extensions come from their PyPI wheels into the project's extension directory, load
by name offline, and do their job: BM25 search, an HNSW index, a DuckLake catalog, cp1252 CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from supportlake.extensions import (
    EXTENSIONS,
    ExtensionUnavailable,
    install_extensions,
    load_extension,
    offline_config,
    wheel_file,
)
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    """A fresh extension directory, filled from the wheels the way the set-up does it."""
    root = tmp_path_factory.mktemp("extensions")
    settings = Settings.in_folder(root, duckdb_extension_directory=root / "duckdb_extensions")
    install_extensions(settings)
    return settings


def test_install_fills_the_directory_from_the_wheels_and_is_idempotent(settings):
    files = sorted(p.name for p in settings.duckdb_extension_directory.rglob("*.duckdb_extension"))
    assert files == sorted(f"{name}.duckdb_extension" for name in EXTENSIONS)
    install_extensions(settings)  # a second run installs nothing new and does not fail
    with open_warehouse(settings) as connection:
        # What dbt-duckdb does for a profile's `extensions:` list: INSTALL by name is a no-op
        # offline once the directory has the extension, then LOAD by name.
        for name in EXTENSIONS:
            connection.execute(f"install {name}")
            connection.execute(f"load {name}")
        loaded = {
            row[0]
            for row in connection.execute(
                "select extension_name from duckdb_extensions() where loaded"
            ).fetchall()
        }
        assert set(EXTENSIONS) <= loaded
        assert connection.execute(
            "select current_setting('autoinstall_known_extensions')"
        ).fetchone() == (False,)


def test_bm25_match_ranks_the_ticket_with_the_error_code(settings):
    with open_warehouse(settings, extensions=("fts",)) as connection:
        connection.execute(
            "create table docs as select * from (values "
            "(1, 'printer jams on every page'), "
            "(2, 'error E1234 when syncing the mailbox'), "
            "(3, 'password reset link expired')) t(id, body)"
        )
        connection.execute("pragma create_fts_index('docs', 'id', 'body')")
        ranked = connection.execute(
            "select id from (select id, fts_main_docs.match_bm25(id, 'E1234 mailbox') as score "
            "from docs) where score is not null order by score desc"
        ).fetchall()
    assert ranked == [(2,)]


def test_hnsw_index_answers_a_nearest_neighbour_query(settings):
    # vss keeps HNSW indexes in memory only (persisting them is experimental), so retrieval
    # builds them on an in-memory connection with the project's offline settings.
    with duckdb.connect(config=offline_config(settings)) as connection:
        load_extension(connection, "vss")
        connection.execute(
            "create table vectors as select * from (values "
            "(1, [1.0, 0.0, 0.0]::float[3]), (2, [0.0, 1.0, 0.0]::float[3]), "
            "(3, [0.0, 0.0, 1.0]::float[3])) t(id, embedding)"
        )
        connection.execute("create index vectors_hnsw on vectors using hnsw (embedding)")
        query = (
            "select id from vectors "
            "order by array_distance(embedding, [0.1, 0.9, 0.0]::float[3]) limit 1"
        )
        plan = "\n".join(row[1] for row in connection.execute(f"explain {query}").fetchall())
        assert "HNSW_INDEX_SCAN" in plan
        assert connection.execute(query).fetchall() == [(2,)]


def test_ducklake_catalog_attaches_and_keeps_a_table(settings, tmp_path: Path):
    catalog = tmp_path / "catalog.ducklake"
    data = tmp_path / "lake_data"
    attach = f"attach 'ducklake:{catalog}' as lk (data_path '{data}')"
    with open_warehouse(settings, extensions=("ducklake",)) as connection:
        connection.execute(attach)
        connection.execute("create table lk.tickets as select range as ticket_id from range(5000)")
    with open_warehouse(settings, extensions=("ducklake",)) as connection:
        connection.execute(attach)
        assert connection.execute("select count(*), max(ticket_id) from lk.tickets").fetchall() == [
            (5000, 4999)
        ]
    assert list(data.rglob("*.parquet")), "DuckLake writes its data as parquet files"


def test_cp1252_csv_reads_with_the_encodings_extension(settings, tmp_path: Path):
    export = tmp_path / "excel_export.csv"
    subject = "Caf\u00e9 \u20ac5 \u201crefund\u201d"  # all outside latin-1 but for the é
    export.write_bytes(f"ticket_id,subject\n1,{subject}\n".encode("cp1252"))
    with open_warehouse(settings, extensions=("encodings",)) as connection:
        rows = connection.execute(
            "select subject from read_csv(?, encoding = 'cp1252', header = true)", [str(export)]
        ).fetchall()
    assert rows == [(subject,)]


def test_missing_extension_fails_with_one_line_naming_the_wheel(settings):
    with duckdb.connect() as connection, pytest.raises(ExtensionUnavailable) as raised:
        load_extension(connection, "not_an_extension")
    message = str(raised.value)
    assert "\n" not in message
    assert f"pip install 'duckdb-extension-not_an_extension=={duckdb.__version__}'" in message


def test_extension_built_for_another_duckdb_is_named(monkeypatch):
    monkeypatch.setattr(duckdb, "__version__", "9.9.9")
    with pytest.raises(ExtensionUnavailable, match=r"built for DuckDB v1\.5\.5.*9\.9\.9"):
        wheel_file("fts")
