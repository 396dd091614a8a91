"""A warehouse built by an older version holds an incremental mart without a column this
version adds: the next planned build says so and rebuilds from every row, instead of
stopping on dbt's on_schema_change error and asking the user for --full-refresh."""

from __future__ import annotations

from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

HEADER = "ticket_id,created_at,status,priority,category,channel,queue,subject\n"
FIRST = HEADER + "T-1,2024-06-01 09:00:00,Open,High,Billing,Email,Billing,first\n"
SECOND = HEADER + "T-2,2024-06-02 09:00:00,Open,Low,Billing,Email,Billing,second\n"
TICKETS_AND_PARENTS = "+tickets"


def _columns(settings: Settings) -> set[str]:
    with open_warehouse(settings, read_only=True) as connection:
        rows = connection.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = 'tickets'"
        ).fetchall()
    return {row[0] for row in rows}


def test_a_mart_built_before_its_columns_changed_is_rebuilt_once(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings.in_folder(tmp_path / "warehouse")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "first.csv").write_text(FIRST, encoding="utf-8")
    ingest_path(drop / "first.csv", settings, source="tickets")
    assert run_build(settings, plan_build(settings), select=TICKETS_AND_PARENTS).success
    column = "subject"
    with open_warehouse(settings) as connection:  # as an older version left it
        connection.execute(f"alter table marts.tickets drop column {column}")
    assert column not in _columns(settings)

    (drop / "second.csv").write_text(SECOND, encoding="utf-8")
    ingest_path(drop / "second.csv", settings, source="tickets")
    capsys.readouterr()
    result = run_build(settings, plan_build(settings), select=TICKETS_AND_PARENTS)

    assert result.success
    assert "built before their columns changed (tickets)" in capsys.readouterr().out
    assert column in _columns(settings)
    with open_warehouse(settings, read_only=True) as connection:
        subjects = connection.execute("select ticket_id, subject from marts.tickets").fetchall()
    assert sorted(subjects) == [("T-1", "first"), ("T-2", "second")]
    assert plan_build(settings).nothing_to_build
