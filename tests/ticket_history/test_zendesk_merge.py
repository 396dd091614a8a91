"""A Zendesk merge through the real ingest and `dbt build --selector ticket_history`: the
customer's second request (4202) is merged into the first (4201). Zendesk closes the merged
ticket, adds the closed_by_merge tag (a tags change in its audit, the tag list as a JSON array)
and an internal note naming the target. The merge's close is no solve by the agent."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

MERGE = Path(__file__).resolve().parents[1] / "fixtures" / "ticket_history" / "zendesk_merge"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("zendesk_merge")
    settings = Settings.in_folder(root)
    for name, source, mapping in (
        ("tickets.csv", "tickets", "zendesk"),
        ("ticket_audit_events.jsonl", "ticket_events", "zendesk_ticket_events"),
    ):
        summary = ingest_path(MERGE / name, settings, source=source, mapping=mapping)
        assert [file.status for file in summary.files] == ["loaded"], name
    run_dbt(
        ["build", "--selector", "ticket_history", "--target-path", str(root / "target")], settings
    )
    return settings


def query(settings: Settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_the_merged_ticket_is_closed_by_the_merge_not_solved(warehouse: Settings) -> None:
    rows = query(
        warehouse,
        "select ticket_id, current_status, is_solved, is_merged, is_closed_by_merge, "
        "cast(merged_at as varchar), merged_into_ticket_id, first_solved_at is not null, "
        "is_one_touch_resolution from marts.ticket_event_metrics order by ticket_id",
    )
    assert rows == [
        # 4201: solved by the agent's one public reply at 11:00.
        ("4201", "Resolved", True, False, False, None, None, True, True),
        # 4202: the tag change at 09:30 is the merge; the tag names no target.
        ("4202", "Closed", False, True, True, "2024-06-04 09:30:00", None, False, False),
    ]


def test_the_agent_is_credited_with_one_solve(warehouse: Settings) -> None:
    # Lena holds both tickets; only 4201 counts as solved, one-touch (1 of 1).
    assert query(
        warehouse,
        "select agent_id, assigned_ticket_count, solved_ticket_count, one_touch_rate "
        "from marts.ticket_history_agents",
    ) == [("360099887701", 2, 1, 1.0)]


def test_the_merged_ticket_leaves_the_backlog(warehouse: Settings) -> None:
    # At the midnight ending 2024-06-04 both tickets are closed: no backlog rows that day.
    assert query(
        warehouse,
        "select count(*) from marts.ticket_backlog_daily where snapshot_date = '2024-06-04'",
    ) == [(0,)]
