"""Generated tickets and their generated histories through the real CLI (`supportlake
generate tickets`, `generate ticket-events`, `ingest`, `build`): the flat columns the ticket
generator writes agree with the events, as the warehouse reads both."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.dashboard.page import write_dashboard
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse
from tests.quality.conftest import environment_for

runner = CliRunner()


def invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, str]:
    settings = Settings.in_folder(tmp_path_factory.mktemp("generated_history"))
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment_for(monkeypatch, settings)
        invoke("generate", "tickets", "--rows", "600", "--seed", "7", "--workers", "1")
        generated = invoke("generate", "ticket-events", "--seed", "7")
        invoke("ingest")
        built = invoke("build")
    return settings, generated + built


def query(settings: Settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_every_consistent_ticket_got_a_history(warehouse: tuple[Settings, str]) -> None:
    settings, output = warehouse
    with_events = int(re.search(r"for ([\d,]+) of", output).group(1).replace(",", ""))
    assert with_events > 400  # 600 tickets, a few dozen of them injected mess
    assert query(
        settings,
        "select count(*) from marts.ticket_event_metrics "
        "where trusted_event_count > 0 and not is_merged",
    ) == [(with_events,)]
    # The events written twice are dropped again: the repeats the generator announced.
    repeated = int(re.search(r"\(([\d,]+) written twice\)", output).group(1).replace(",", ""))
    assert query(
        settings, "select sum(duplicate_event_copies) from marts.ticket_event_metrics"
    ) == [(repeated,)]


def test_flat_columns_agree_with_the_events(warehouse: tuple[Settings, str]) -> None:
    settings, _ = warehouse
    disagreements = query(
        settings,
        """
        select tickets.ticket_id, tickets.status, metrics.current_status,
            tickets.first_response_at, metrics.first_reply_at,
            tickets.resolved_at, metrics.last_solved_at,
            tickets.reopened_count, metrics.reopen_count,
            tickets.agent_id, assignee.assigned_to
        from marts.tickets as tickets
        inner join marts.ticket_event_metrics as metrics using (ticket_id)
        left join marts.ticket_assignment_timeline as assignee
            on assignee.ticket_id = tickets.ticket_id
            and assignee.assignment_field = 'assignee' and assignee.is_current
        where metrics.trusted_event_count > 0 and (
            tickets.status is distinct from
                case metrics.current_status when 'New' then 'Open' else metrics.current_status end
            or tickets.first_response_at is distinct from metrics.first_reply_at
            or tickets.resolved_at is distinct from metrics.last_solved_at
            or tickets.reopened_count is distinct from metrics.reopen_count
            or tickets.agent_id is distinct from assignee.assigned_to
        )
        """,
    )
    assert disagreements == []
    # And the comparison has something to compare: reopens, handoffs and solves occur.
    [(reopened, handed_off, solved)] = query(
        settings,
        "select count(*) filter (where reopen_count > 0), count(*) filter (where "
        "handoff_count > 0), count(*) filter (where is_solved) from marts.ticket_event_metrics",
    )
    assert reopened > 10 and handed_off > 10 and solved > 200


def test_tickets_without_a_consistent_history_say_why(warehouse: tuple[Settings, str]) -> None:
    settings, output = warehouse
    assert "tickets without events" in output
    [(flat_only,)] = query(
        settings,
        "select count(*) from marts.ticket_event_metrics "
        "where missing_metrics_reason = 'no events loaded for this ticket'",
    )
    assert flat_only > 0


def test_the_analytics_report_shows_the_history_metrics(
    warehouse: tuple[Settings, str], tmp_path
) -> None:
    settings, _ = warehouse
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment_for(monkeypatch, settings)
        invoke("analytics", "--output-dir", str(tmp_path))
    page = (tmp_path / "report.html").read_text()
    for title in ("history kpis", "reply time distribution", "weekly sla breaches"):
        assert f"Ticket history: {title}" in page
    assert "Ticket-history metrics need ticket events" not in page
    kpis = pd.read_csv(tmp_path / "tables" / "history_kpis.csv").iloc[0]
    [(one_touch_rate, solved)] = query(
        settings,
        "select avg(is_one_touch_resolution::int), count(*) from marts.ticket_event_metrics "
        "where is_solved and trusted_event_count > 0",
    )
    assert kpis["solved_ticket_count"] == solved
    assert kpis["one_touch_rate"] == pytest.approx(one_touch_rate)
    breaches = pd.read_csv(tmp_path / "tables" / "weekly_sla_breaches.csv")
    assert set(breaches["metric"]) >= {"first_reply", "requester_wait"}
    assert breaches["breached_count"].sum() > 0


def test_the_build_summary_counts_the_event_load(warehouse: tuple[Settings, str]) -> None:
    # The event file's row in `supportlake build`'s per-load table: repeats and untrusted
    # events are counted there, never dropped quietly.
    _, output = warehouse
    summary = output[output.index("data quality per load") :]
    [row] = [line for line in summary.splitlines() if "ticket-events-7.jsonl" in line]
    assert "repeated event" in row, summary


def test_merged_duplicates_are_closed_not_solved(warehouse: tuple[Settings, str]) -> None:
    # A customer's duplicate request (events only) merged into their generated ticket: closed
    # by the merge, not solved by an agent, and pointing at a ticket of the ticket export.
    settings, _ = warehouse
    merged = query(
        settings,
        """
        select metrics.ticket_id, metrics.merged_into_ticket_id, metrics.current_status,
            metrics.is_solved, metrics.is_closed_by_merge, metrics.first_solved_at,
            metrics.created_at_basis, tickets.ticket_id is not null as target_is_a_ticket
        from marts.ticket_event_metrics as metrics
        left join marts.tickets as tickets on metrics.merged_into_ticket_id = tickets.ticket_id
        where metrics.is_merged
        """,
    )
    assert len(merged) > 5  # 5% of ~500 assigned tickets
    for ticket_id, into, status, solved, by_merge, first_solved, basis, known in merged:
        assert ticket_id == f"{into}-dup"
        assert (status, solved, by_merge, first_solved) == ("Closed", False, True, None)
        assert basis == "first event" and known


def test_the_dashboard_shows_the_history_metrics(warehouse: tuple[Settings, str]) -> None:
    # The dashboard page reads the serving copy the build published: its ticket-history
    # section has the tiles, the three charts and the agent leaderboard, from the same marts.
    settings, _ = warehouse
    dashboard = write_dashboard(settings)
    page = dashboard.page.read_text()
    section = page[page.index('<h2 id="ticket-history">') :]
    assert {"sla_breaches", "backlog_by_age", "reply_times"} <= set(dashboard.charts)
    for name in ("sla_breaches", "backlog_by_age", "reply_times"):
        assert f'alt="{name}"' in section
        assert dashboard.charts[name].stat().st_size > 5_000  # a drawn chart, not a blank one
    [(one_touch_rate, merged, top_agent)] = query(
        settings,
        """
        select
            (select avg(is_one_touch_resolution::int) from marts.ticket_event_metrics
             where is_solved and trusted_event_count > 0),
            (select count(*) from marts.ticket_event_metrics
             where is_closed_by_merge and trusted_event_count > 0),
            (select agent_id from marts.ticket_history_agents
             order by solved_ticket_count desc, public_reply_count desc, agent_id limit 1)
        """,
    )
    assert f"{100 * one_touch_rate:.1f}%" in section
    assert f'<div class="value">{merged:,}</div>' in section and merged > 0
    assert "Agent leaderboard" in section and f"<td>{top_agent}</td>" in section
    assert "handle_minutes" in section
