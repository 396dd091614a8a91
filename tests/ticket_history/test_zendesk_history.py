"""A Zendesk ticket export and its audit events (tests/fixtures/ticket_history/zendesk) through
the real ingest and `dbt build --selector ticket_history` into the event marts; every expected
number is worked out from the fixture's timestamps in the comments."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

HISTORY_MODELS = {
    "int_schedule_windows",
    "int_ticket_events_conformed",
    "int_ticket_field_periods",
    "int_ticket_reply_times",
    "int_ticket_periods_known",
    "int_ticket_event_metrics",
    "ticket_event_metrics",
    "ticket_sla_events",
    "ticket_backlog_daily",
    "ticket_history_agents",
}
ZENDESK = Path(__file__).resolve().parents[1] / "fixtures" / "ticket_history" / "zendesk"


def ingest_zendesk(settings: Settings) -> None:
    for name, source, mapping in (
        ("tickets.csv", "tickets", "zendesk"),
        ("ticket_audit_events.jsonl", "ticket_events", "zendesk_ticket_events"),
    ):
        summary = ingest_path(ZENDESK / name, settings, source=source, mapping=mapping)
        assert [file.status for file in summary.files] == ["loaded"], name


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("zendesk_history")
    settings = Settings.in_folder(root)
    ingest_zendesk(settings)
    run_dbt(
        ["build", "--selector", "ticket_history", "--target-path", str(root / "target")], settings
    )
    return settings


def query(settings: Settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def metric(settings: Settings, ticket_id: str, column: str) -> object:
    [(value,)] = query(
        settings, f"select {column} from marts.ticket_event_metrics where ticket_id = '{ticket_id}'"
    )
    return value


def test_build_ran_the_unit_tests_and_data_tests(warehouse: Settings) -> None:
    results = json.loads((warehouse.warehouse.parent / "target" / "run_results.json").read_text())
    history_unit_tests = [
        r["unique_id"]
        for r in results["results"]
        if r["unique_id"].startswith("unit_test.")
        and r["unique_id"].split(".")[2] in HISTORY_MODELS
    ]
    # The hand-computed cases of the models' *unit_tests.yml files (issue 14: at least 60).
    assert len(history_unit_tests) >= 60, history_unit_tests
    assert all(r["status"] in {"pass", "success"} for r in results["results"])


def test_the_load_is_reconciled_in_the_manifest(warehouse: Settings) -> None:
    [(rows_read, loaded, quarantined, mapping)] = query(
        warehouse,
        "select rows_read, rows_loaded, rows_quarantined, mapping from raw.load_manifest "
        "where source = 'ticket_events'",
    )
    assert (rows_read, loaded, quarantined, mapping) == (33, 33, 0, "zendesk_ticket_events")
    assert query(warehouse, "select count(*) from raw.ticket_events") == [(33,)]


def test_first_reply_and_one_touch_resolution(warehouse: Settings) -> None:
    # 4101: created 09:12:44, first public agent comment 10:12:44 -> 60 minutes; solved at
    # 15:40:02 -> 6h27m18s = 387.3 minutes; one public agent comment (the 15:40 one is
    # internal) -> one-touch.
    assert metric(warehouse, "4101", "first_reply_calendar_minutes") == pytest.approx(60.0)
    assert metric(warehouse, "4101", "first_resolution_calendar_minutes") == pytest.approx(387.3)
    assert metric(warehouse, "4101", "is_one_touch_resolution") is True
    # Pending 10:12:44 -> 15:10:02 = 4h57m18s = 297.3 minutes of agent wait.
    assert metric(warehouse, "4101", "agent_wait_calendar_minutes") == pytest.approx(297.3)
    # New 27m16s + Open 32m44s + Open 30m = 90 minutes of requester wait.
    assert metric(warehouse, "4101", "requester_wait_calendar_minutes") == pytest.approx(90.0)
    # Solved with its last end-user comment unanswered: nobody is waiting any more.
    assert metric(warehouse, "4101", "is_awaiting_reply") is False


def test_reopen_and_reassignment(warehouse: Settings) -> None:
    # 4102 (events in the file out of order): solved 10:30, reopened by the requester at
    # 12:00, handed from agent ...701 to ...702 at 13:00, solved again 08:00 next day.
    assert metric(warehouse, "4102", "reopen_count") == 1
    assert metric(warehouse, "4102", "handoff_count") == 1
    assert metric(warehouse, "4102", "assignee_station_count") == 2
    # 10:05:10 -> 10:30:00 = 24m50s; 10:05:10 -> next day 08:00:00 = 21h54m50s.
    assert metric(warehouse, "4102", "first_resolution_calendar_minutes") == pytest.approx(
        24 + 50 / 60
    )
    assert metric(warehouse, "4102", "full_resolution_calendar_minutes") == pytest.approx(
        21 * 60 + 54 + 50 / 60
    )
    # The next reply: end-user 12:00 -> agent 08:00 = 1200 calendar minutes, of which the
    # General queue (08-18 on weekdays) is open 12:00-18:00 = 360.
    assert query(
        warehouse,
        "select reply_calendar_minutes, reply_business_minutes from marts.ticket_reply_times "
        "where ticket_id = '4102' and reply_number = 2",
    ) == [(1200.0, 360.0)]
    assert metric(warehouse, "4102", "is_two_touch_resolution") is True


def test_bad_input_is_flagged_not_trusted(warehouse: Settings) -> None:
    # 4103: a comment dated 11:00, before the ticket's 11:30 creation, and its Create event
    # twice; only an internal note from an agent: no first reply.
    assert metric(warehouse, "4103", "events_before_creation_count") == 1
    assert metric(warehouse, "4103", "duplicate_event_copies") == 1
    assert metric(warehouse, "4103", "end_user_comment_count") == 1
    assert metric(warehouse, "4103", "first_reply_calendar_minutes") is None
    assert metric(warehouse, "4103", "is_awaiting_reply") is True
    assert query(
        warehouse,
        "select untrusted_reason from intermediate.int_ticket_events_conformed "
        "where event_id = '1199'",
    ) == [("before the ticket was created",)]


def test_status_timeline_and_on_hold(warehouse: Settings) -> None:
    # 4104: New 12:00-13:00, then On-hold up to the newest event in the warehouse (4102's
    # 08:00 next day): 19 hours = 1140 minutes.
    assert query(
        warehouse,
        "select status, calendar_minutes, is_current from marts.ticket_status_timeline "
        "where ticket_id = '4104' order by period_number",
    ) == [("New", 60.0, False), ("On-hold", 1140.0, True)]
    assert metric(warehouse, "4104", "on_hold_calendar_minutes") == pytest.approx(1140.0)


def test_a_second_ingest_loads_nothing_twice(warehouse: Settings) -> None:
    summary = ingest_path(
        ZENDESK / "ticket_audit_events.jsonl",
        warehouse,
        source="ticket_events",
        mapping="zendesk_ticket_events",
    )
    assert [file.status for file in summary.files] == ["skipped"]
    assert query(warehouse, "select count(*) from raw.ticket_events") == [(33,)]


def test_an_unreadable_event_line_is_quarantined(tmp_path: Path) -> None:
    settings = Settings.in_folder(tmp_path)
    export = tmp_path / "audit_events.jsonl"
    lines = (ZENDESK / "ticket_audit_events.jsonl").read_text().splitlines()[:3]
    export.write_text("\n".join([*lines[:2], '{"ticket_id": 4101, "id": 7', lines[2]]) + "\n")
    summary = ingest_path(export, settings, source="ticket_events", mapping="zendesk_ticket_events")
    [result] = summary.files
    assert (result.rows_loaded, result.rows_quarantined) == (3, 1)
    with open_warehouse(settings, read_only=True) as connection:
        [(row_number, reason)] = connection.execute(
            "select row_number, reason from raw.quarantine where source = 'ticket_events'"
        ).fetchall()
    assert row_number == 3
    assert "JSON" in reason


def test_each_event_load_reconciles(warehouse: Settings) -> None:
    # 33 lines: 33 loaded; ticket 4103's Create event twice (one repeat dropped) -> 32 kept;
    # untrusted: the comment before 4103's creation and 4101's notification.
    assert query(
        warehouse,
        "select rows_read, rows_loaded, rows_in_raw, events_kept, repeated_copies_dropped, "
        "trusted_events, events_before_ticket_created, other_untrusted_events, is_reconciled "
        "from marts.ticket_event_load_reconciliations",
    ) == [(33, 33, 33, 32, 1, 30, 1, 1, True)]


def test_sla_events_under_the_shipped_policies(warehouse: Settings) -> None:
    sla = {
        (ticket, metric): rest
        for ticket, metric, *rest in query(
            warehouse,
            "select ticket_id, metric, basis, target_minutes, sla_breach_at, elapsed_minutes, "
            "is_active, is_breached from marts.ticket_sla_events where occurrence <= 2",
        )
    }
    # 4101 (Normal = Medium): first reply within 240 business minutes on General (08-18 UTC):
    # created 09:12:44 is 72.73 minutes into Monday, + 240 = 312.73 -> breach at 13:12:44;
    # answered at 10:12:44 after 60 minutes: met.
    assert sla["4101", "first_reply"] == [
        "business",
        240,
        datetime(2024, 6, 3, 13, 12, 44),
        60.0,
        False,
        False,
    ]
    # 4101's next reply: waiting from 15:10:02 (430.03 minutes into Monday) + 480 = 910.03:
    # Monday holds 600, so 310.03 into Tuesday -> 13:10:02; solved at 15:40:02 first, so the
    # clock ran 30 minutes and stopped.
    assert sla["4101", "next_reply"] == [
        "business",
        480,
        datetime(2024, 6, 4, 13, 10, 2),
        30.0,
        False,
        False,
    ]
    # 4102 (High): next reply within 120 calendar minutes of 12:00 -> 14:00; answered the next
    # morning at 08:00 after 1,200 minutes: breached.
    assert sla["4102", "next_reply"] == [
        "calendar",
        120,
        datetime(2024, 6, 3, 14, 0),
        1200.0,
        False,
        True,
    ]
    # 4103 (Urgent) never answered: first reply breached at 11:30 + 30 = 12:00 and still
    # running; requester wait (240 business): New from 11:30 (210 into Monday) -> 450 ->
    # 15:30, breached, up to the newest event (Tuesday 08:00): 390 business minutes.
    assert sla["4103", "first_reply"] == [
        "calendar",
        30,
        datetime(2024, 6, 3, 12, 0),
        1230.0,
        True,
        True,
    ]
    assert sla["4103", "requester_wait"] == [
        "business",
        240,
        datetime(2024, 6, 3, 15, 30),
        390.0,
        True,
        True,
    ]


def test_daily_backlog_from_the_status_history(warehouse: Settings) -> None:
    # At midnight ending Monday 06-03: 4102 reopened (Open since 12:00, created 10:05),
    # 4103 New (since 11:30), 4104 On-hold (created 12:00), all under a day old; 4101 solved.
    # At midnight ending Tuesday: 4102 solved at 08:00; 4103 and 4104 are 36.5 and 36 hours
    # old.
    assert query(
        warehouse,
        "select cast(snapshot_date as varchar), status, age_bucket, ticket_count "
        "from marts.ticket_backlog_daily order by all",
    ) == [
        ("2024-06-03", "New", "0-1 days", 1),
        ("2024-06-03", "On-hold", "0-1 days", 1),
        ("2024-06-03", "Open", "0-1 days", 1),
        ("2024-06-04", "New", "1-3 days", 1),
        ("2024-06-04", "On-hold", "1-3 days", 1),
    ]


def test_agent_performance_from_the_history(warehouse: Settings) -> None:
    # Lena (...701) wrote the public replies on 4101 and 4102 and internal notes on 4101 and
    # 4103; she is the current assignee of 4101 only (solved, one touch, rated Good = 5).
    # Marco (...702) replied on 4102 and 4104, holds both now (4102 handed to him by Lena,
    # solved with two touches, rated Bad = 1; 4104 on hold, its survey unanswered). First
    # replies of their tickets: 4101 60; 4102 24.83 and 4104 60 -> median 42.42.
    rows = query(
        warehouse,
        "select agent_id, public_reply_count, internal_note_count, assigned_ticket_count, "
        "solved_ticket_count, one_touch_rate, round(median_first_reply_minutes, 2), "
        "handoffs_received, mean_satisfaction_score from marts.ticket_history_agents "
        "order by agent_id",
    )
    assert rows == [
        ("360099887701", 2, 2, 1, 1, 1.0, 60.0, 0, 5.0),
        ("360099887702", 2, 0, 2, 1, 0.0, 42.42, 1, 1.0),
    ]
