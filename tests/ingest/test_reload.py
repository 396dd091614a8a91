"""`--reload`: the earlier load is retired in the reload's own transaction."""

from __future__ import annotations

from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.ingest import ingest_path
from supportlake.warehouse import open_warehouse
from tests.ingest.conftest import fetch


def write_export(landing):
    path = landing / "tickets" / "export.csv"
    path.write_text("Id,Category\nT-1,Billing\nT-2,Access\n", encoding="utf-8")
    path.with_name("export.mapping.yaml").write_text("columns: {Id: ticket_id}\n")
    return path


def test_a_reload_that_fails_leaves_the_earlier_load_as_it_was(settings, landing):
    path = write_export(landing)
    (first,) = ingest_path(path, settings).files
    # A typo in the fixed mapping: the reload fails before reading a row.
    path.with_name("export.mapping.yaml").write_text("columns: {Id: tikcet_id}\n")

    (reloaded,) = ingest_path(path, settings, reload=True).files

    assert reloaded.status == "failed"
    assert "'tikcet_id', which is not a column" in reloaded.message
    with open_warehouse(settings) as connection:
        assert fetch(connection, "select ticket_id, _load_id from raw.tickets order by 1") == [
            ("T-1", first.load_id),
            ("T-2", first.load_id),
        ]
        assert fetch(
            connection, "select load_id, status from raw.load_manifest order by loaded_at"
        ) == [(first.load_id, "loaded"), (reloaded.load_id, "failed")]


def test_reloading_content_never_loaded_is_a_plain_load(settings, landing):
    path = write_export(landing)

    (result,) = ingest_path(path, settings, reload=True).files

    assert (result.status, result.rows_loaded, result.retired) == ("loaded", 2, [])


def test_reload_takes_one_file_not_a_folder(landing, monkeypatch, settings):
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(settings.lake))

    result = CliRunner().invoke(app, ["ingest", "--reload", str(landing / "tickets")])

    assert result.exit_code == 2
    assert "--reload takes one FILE" in result.output
