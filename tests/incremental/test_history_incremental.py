"""The ticket-history models build incrementally per load, and the result equals a full refresh
on the same data, mart for mart and row for row: events arriving in several loads, some late
(older than events already loaded for their ticket) and some repeated across loads."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from supportlake.generate.ticket_events import generate_ticket_events
from supportlake.generate.tickets import generate_tickets
from supportlake.settings import Settings
from supportlake.transform import dbt_target_path, run_dbt
from supportlake.warehouse import open_warehouse
from tests.incremental.marts import ingest_or_fail, snapshot_marts

SELECTION = ["--selector", "ticket_history"]
HISTORY_MARTS = (
    "ticket_status_timeline",
    "ticket_assignment_timeline",
    "ticket_reply_times",
    "ticket_event_metrics",
    "ticket_sla_events",
    "ticket_backlog_daily",
    "ticket_history_agents",
    "ticket_event_load_reconciliations",
)


def _write(path: Path, events: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def batches(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path], set[str]]:
    """A warehouse built after the tickets and a first events export; two later exports."""
    root = tmp_path_factory.mktemp("incremental_history")
    settings = Settings.in_folder(root)
    generate_tickets(root / "tickets", rows=400, seed=11, workers=1, progress=False)
    generated = generate_ticket_events(root / "tickets", root / "generated", seed=11)
    lines = generated.path.read_text(encoding="utf-8").splitlines()
    events = [json.loads(line) for line in lines]
    by_time = sorted(events, key=lambda event: event["created_at"])
    first_cut, second_cut = int(len(by_time) * 0.7), int(len(by_time) * 0.9)
    # Every 7th event of the first export's span arrives late, in the second export: older
    # than events already loaded for its ticket.
    late = by_time[:first_cut:7]
    first = [event for number, event in enumerate(by_time[:first_cut]) if number % 7]
    second = late + by_time[first_cut:second_cut]
    # The third export is small and repeats some events of the first (an overlapping export).
    third = by_time[second_cut:] + first[::25]
    paths = [
        _write(root / "exports" / name / f"events-{name}.jsonl", batch)
        for name, batch in (("first", first), ("second", second), ("third", third))
    ]
    ingest_or_fail(settings, root / "tickets", "tickets")
    ingest_or_fail(settings, paths[0], "ticket_events")
    run_dbt(["build", *SELECTION, "--exclude-resource-type", "unit_test"], settings)
    third_tickets = {event["ticket_id"] for event in third}
    return settings, paths[1:], third_tickets


def _changed_at(settings: Settings) -> dict[str, object]:
    """Per ticket, the load its stored periods were computed from, and whether it is open."""
    with open_warehouse(settings, read_only=True) as connection:
        return {
            ticket: (changed, is_open)
            for ticket, changed, is_open in connection.execute(
                "select ticket_id, max(_changed_at), bool_or(is_current and field = 'status' "
                "and field_value not in ('Resolved', 'Closed')) "
                "from intermediate.int_ticket_field_periods group by ticket_id"
            ).fetchall()
        }


def _later_ticket_export(settings: Settings, root: Path) -> tuple[Path, set[str]]:
    """A later ticket export: 10 tickets that have events come again with another priority
    and a newer updated_at (their SLA policies change), and 10 new tickets without events."""
    later = root / "exports" / "tickets-later" / "tickets-later.parquet"
    later.parent.mkdir(parents=True, exist_ok=True)
    with open_warehouse(settings, read_only=True) as connection:
        history = [
            ticket
            for (ticket,) in connection.execute(
                "select ticket_id from intermediate.int_ticket_event_metrics "
                "where ticket_id in (select ticket_id from marts.tickets) order by 1 limit 10"
            ).fetchall()
        ]
    parts = str(root / "tickets" / "*.parquet")
    with duckdb.connect() as scratch:
        scratch.execute(
            f"""copy (
                select * replace (
                    case when priority = 'Low' then 'Urgent' else 'Low' end as priority,
                    strftime(
                        (select max(updated_at::timestamp) from read_parquet('{parts}'))
                        + interval 1 hour, '%Y-%m-%d %H:%M:%S'
                    ) as updated_at
                ) from read_parquet('{parts}') where list_contains($history, ticket_id)
                union all by name
                select * from (
                    select * replace (ticket_id || '-NEW' as ticket_id)
                    from read_parquet('{parts}') order by ticket_id limit 10
                )
            ) to '{later}' (format parquet)""",
            {"history": history},
        )
    return later, set(history)


def _mark_stored_rows(settings: Settings) -> None:
    """Tag every stored row of the incremental marts; a row the next build writes again
    loses its tag."""
    with open_warehouse(settings) as connection:
        connection.execute("update marts.ticket_sla_events set policy = policy || '*'")
        connection.execute(
            "update marts.ticket_event_metrics "
            "set missing_metrics_reason = coalesce(missing_metrics_reason, '') || '*'"
        )


def _rewritten_and_kept(settings: Settings, mart: str, column: str) -> tuple[set, set]:
    """Tickets whose rows the build wrote again, and tickets it kept; then drops the tags."""
    with open_warehouse(settings) as connection:
        rows = connection.execute(
            f"select ticket_id, bool_and(suffix({column}, '*')) from marts.{mart} group by 1"
        ).fetchall()
        connection.execute(
            f"update marts.{mart} set {column} = nullif({column}[:-2], '') "
            f"where suffix({column}, '*')"
        )
    return {ticket for ticket, kept in rows if not kept}, {ticket for ticket, kept in rows if kept}


def _running_clocks(settings: Settings) -> set[str]:
    with open_warehouse(settings, read_only=True) as connection:
        return {
            ticket
            for (ticket,) in connection.execute(
                "select ticket_id from intermediate.int_ticket_event_metrics where "
                "coalesce(current_status, '') not in ('Resolved', 'Closed') or "
                "(current_unassigned_calendar_minutes is not null and first_solved_at is null)"
            ).fetchall()
        }


def test_incremental_history_builds_equal_a_full_refresh(batches):
    settings, (second, third), third_tickets = batches
    ingest_or_fail(settings, second, "ticket_events")
    run_dbt(["run", *SELECTION], settings)
    # a later ticket export: new priorities for tickets with events, new tickets without
    later_tickets, reprioritized = _later_ticket_export(settings, second.parents[2])
    ingest_or_fail(settings, later_tickets, "tickets")
    _mark_stored_rows(settings)
    run_dbt(["run", *SELECTION], settings)
    rewritten, _ = _rewritten_and_kept(settings, "ticket_sla_events", "policy")
    assert reprioritized & rewritten  # their SLA rows follow the new priority
    assert rewritten <= reprioritized | _running_clocks(settings)
    rewritten, _ = _rewritten_and_kept(settings, "ticket_event_metrics", "missing_metrics_reason")
    new_tickets = {ticket for ticket in rewritten if ticket.endswith("-NEW")}
    assert len(new_tickets) == 10  # a row each, without event metrics
    assert rewritten <= reprioritized | new_tickets | _running_clocks(settings)
    before_third = _changed_at(settings)
    _mark_stored_rows(settings)
    ingest_or_fail(settings, third, "ticket_events")
    run_dbt(["run", *SELECTION], settings)
    after_third = _changed_at(settings)
    for mart, column in (
        ("ticket_sla_events", "policy"),
        ("ticket_event_metrics", "missing_metrics_reason"),
    ):
        # the last build wrote again only the new export's tickets and those whose clock
        # runs up to the newest event; every solved ticket it did not touch kept its rows
        rewritten, kept = _rewritten_and_kept(settings, mart, column)
        assert rewritten <= third_tickets | _running_clocks(settings), mart
        assert kept, mart
    incremental = snapshot_marts(settings, HISTORY_MARTS)

    # the last build conformed again only the tickets of the new export's events
    compiled = dbt_target_path(settings) / "compiled"
    ran = next(compiled.glob("**/int_ticket_events_conformed.sql")).read_text()
    assert "changed_tickets" in ran and "_loaded_at >" in ran
    # and rewrote the periods of those tickets only: open tickets the export did not touch
    # kept their stored rows (their current period reaches "now" in the views)
    rewritten = {
        ticket for ticket in after_third if after_third[ticket] != before_third.get(ticket)
    }
    assert rewritten and rewritten <= third_tickets
    # the per-ticket metrics too: only the export's tickets got a newer _changed_at
    with open_warehouse(settings, read_only=True) as connection:
        recomputed = {
            ticket
            for (ticket,) in connection.execute(
                "select ticket_id from intermediate.int_ticket_event_metrics "
                "where _changed_at = (select max(_changed_at) "
                "from intermediate.int_ticket_event_metrics)"
            ).fetchall()
        }
    assert recomputed and recomputed <= third_tickets
    untouched_open = [
        ticket
        for ticket, (_, is_open) in after_third.items()
        if is_open and ticket not in rewritten
    ]
    assert untouched_open

    run_dbt(["run", "--full-refresh", *SELECTION], settings)
    refreshed = snapshot_marts(settings, HISTORY_MARTS)
    for mart in HISTORY_MARTS:
        assert incremental[mart], mart
        assert refreshed[mart] == incremental[mart], mart
