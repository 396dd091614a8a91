"""A warehouse built by an older version holds an incremental mart without a column this
version adds: the next planned build says so and rebuilds from every row, instead of
stopping on dbt's on_schema_change error and asking the user for --full-refresh."""

from __future__ import annotations

import pytest

from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

HEADER = "ticket_id,created_at,status,priority,category,channel,queue,subject\n"
FIRST = HEADER + "T-1,2024-06-01 09:00:00,Open,High,Billing,Email,Billing,first\n"
SECOND = HEADER + "T-2,2024-06-02 09:00:00,Open,Low,Billing,Email,Billing,second\n"


def _columns(settings: Settings, mart: str) -> set[str]:
    with open_warehouse(settings, read_only=True) as connection:
        rows = connection.execute(
            "select column_name from duckdb_columns() "
            "where schema_name = 'marts' and table_name = $mart",
            {"mart": mart},
        ).fetchall()
    return {row[0] for row in rows}


@pytest.mark.parametrize(
    ("mart", "dropped"),
    [
        ("tickets", ["subject"]),
        # a table before it was incremental: no lineage watermarks at all
        ("ticket_event_metrics", ["_changed_at", "_loaded_at"]),
    ],
)
def test_a_mart_built_before_its_columns_changed_is_rebuilt_once(
    tmp_path, monkeypatch, capsys, mart, dropped
):
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings.in_folder(tmp_path / "warehouse")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "first.csv").write_text(FIRST, encoding="utf-8")
    ingest_path(drop / "first.csv", settings, source="tickets")
    selection = f"+{mart}"
    assert run_build(settings, plan_build(settings), select=selection).success
    with open_warehouse(settings) as connection:  # as an older version left it
        for column in dropped:
            connection.execute(f"alter table marts.{mart} drop column {column}")
    assert not set(dropped) & _columns(settings, mart)

    (drop / "second.csv").write_text(SECOND, encoding="utf-8")
    ingest_path(drop / "second.csv", settings, source="tickets")
    capsys.readouterr()
    result = run_build(settings, plan_build(settings), select=selection)

    assert result.success
    assert f"built before their columns changed ({mart})" in capsys.readouterr().out
    assert set(dropped) <= _columns(settings, mart)
    with open_warehouse(settings, read_only=True) as connection:
        tickets = connection.execute(f"select ticket_id from marts.{mart}").fetchall()
    assert sorted(tickets) == [("T-1",), ("T-2",)]
    assert plan_build(settings).nothing_to_build


def test_a_raw_table_from_before_its_source_gained_a_column_still_builds(tmp_path):
    """`supportlake build --all` right after an upgrade, before any new file: the raw table
    lacks the column the ingest adds with the next file; the rows read it as null."""
    settings = Settings.in_folder(tmp_path / "warehouse")
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "verdicts.csv").write_text(
        "feedback_id,ticket_id,given_at,verdict,answer_id\n"
        "fb-1,T-1,2025-12-01T10:00:00Z,not helpful,0123456789abcdef0123456789abcdef\n",
        encoding="utf-8",
    )
    ingest_path(drop / "verdicts.csv", settings, source="recommendation_feedback")
    with open_warehouse(settings) as connection:  # as the version before answer_id left it
        connection.execute("alter table raw.recommendation_feedback drop column answer_id")

    selection = "stg_recommendation_feedback recommendation_feedback"
    assert run_build(settings, None, select=selection).success
    with open_warehouse(settings, read_only=True) as connection:
        rows = connection.execute(
            "select feedback_id, answer_id, is_knowledge_gap from marts.recommendation_feedback"
        ).fetchall()
    assert rows == [("fb-1", None, True)]
