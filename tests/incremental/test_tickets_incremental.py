"""marts.tickets builds incrementally per load, and the result equals a full refresh on the
same data: the ticket marts, the daily measures and the roll-ups, the reconciliation, the
data-quality audit and the ticket graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supportlake.settings import Settings
from supportlake.transform import dbt_target_path, run_dbt
from supportlake.warehouse import open_warehouse
from tests.incremental.marts import ingest_or_fail, snapshot_marts

TICKETS = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "tickets"
# the ticket marts and roll-ups, and the ticket graph built from them, with what they read
SELECTION = [
    "--select",
    "+path:models/marts/tickets",
    "+path:models/marts/graph",
    # only the tests whose models are all selected
    "--indirect-selection",
    "cautious",
]
HEADER = (
    "ticket_id,customer_id,created_at,updated_at,first_response_at,resolved_at,status,priority,"
    "category,channel,queue,agent_id,subject,message\n"
)
# A later load: T-1002 gets a newer copy (it replaces the first, reopened: it leaves the
# resolutions and moves to another day, agent, priority and queue), T-1090 is new.
LATER_LOAD = HEADER + (
    "T-1002,C-002,2024-05-20 09:00:00,2024-07-01 10:00:00,2024-05-20 09:30:00,"
    ",Open,Low,Billing,Email,Billing,A-01,Refund reopened,Wrote back.\n"
    "T-1090,C-090,2024-06-30 08:00:00,2024-06-30 09:00:00,2024-06-30 08:10:00,,Open,High,"
    "Account,Phone,Billing,A-03,New ticket,Arrived in the later load.\n"
)
# Then a load with an older copy of T-1002 (updated before the last one): it must not win.
OLDER_COPY = HEADER + (
    "T-1002,C-002,2024-05-20 09:00:00,2024-06-01 10:00:00,2024-05-20 09:30:00,,Open,Low,"
    "Billing,Email,Billing,A-01,Old copy,Exported late.\n"
)
TICKET_MARTS = (
    "tickets",
    "customers",
    "agents",
    "ticket_load_reconciliations",
    "ticket_data_quality_checks",
    "agg_ticket_measures_daily",
    "agg_support_kpis",
    "agg_ticket_volume_daily",
    "agg_backlog_daily",
    "agg_sla_compliance_by_priority_queue",
    "graph_customer_tickets",
    "graph_ticket_products",
    "graph_ticket_resolutions",
    "graph_edges",
)


@pytest.fixture(scope="module")
def loads(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[Path]]:
    """A warehouse built after a first load; the two later loads' folders, not yet ingested."""
    root = tmp_path_factory.mktemp("incremental_tickets")
    settings = Settings.in_folder(root)
    names = ("first", "second", "third", "fourth")
    first, second, third, fourth = (root / "drops" / name for name in names)
    for folder in (first, second, third, fourth):
        folder.mkdir(parents=True)
    shutil.copy(TICKETS / "2024-06_helpdesk_export.csv", first)
    shutil.copy(TICKETS / "notebook_export.csv", first)
    shutil.copy(TICKETS / "2024-06_helpdesk_export_reexport.csv", second)
    (third / "2024-07_later_export.csv").write_text(LATER_LOAD, encoding="utf-8")
    (fourth / "2024-06_late_copy.csv").write_text(OLDER_COPY, encoding="utf-8")
    ingest_or_fail(settings, first, "tickets")
    # seeds, models and data tests once; the later builds are `dbt run` (models only): the
    # test is about the rows, and each build's data tests would cost seconds each
    run_dbt(["build", *SELECTION, "--exclude-resource-type", "unit_test"], settings)
    return settings, [second, third, fourth]


def test_incremental_builds_equal_a_full_refresh(loads):
    settings, later_loads = loads
    for folder in later_loads:
        ingest_or_fail(settings, folder, "tickets")
        run_dbt(["run", *SELECTION], settings)
    incremental = snapshot_marts(settings, TICKET_MARTS)
    # the last build decided again only the tickets of the new load, not every ticket
    compiled = dbt_target_path(settings) / "compiled"
    ran = next(compiled.glob("**/marts/tickets/tickets.sql")).read_text()
    assert "changed_tickets" in ran and "_loaded_at >" in ran
    # and the daily measures only the cells those tickets are in or left (T-1002 moved to
    # another day, agent, priority and queue: its old cell emptied)
    ran = next(compiled.glob("**/marts/tickets/agg_ticket_measures_daily.sql")).read_text()
    assert "touched_cells" in ran and "_loaded_at >" in ran
    run_dbt(["run", "--full-refresh", *SELECTION], settings)
    assert snapshot_marts(settings, TICKET_MARTS) == incremental
    with open_warehouse(settings, read_only=True) as connection:
        newest = dict(
            connection.execute(
                "select ticket_id, subject from marts.tickets "
                "where ticket_id in ('T-1002', 'T-1090')"
            ).fetchall()
        )
    # the newer copy replaced the first, the older copy loaded after it did not, the new
    # ticket arrived
    assert newest["T-1002"] == "Refund reopened"
    assert newest["T-1090"] == "New ticket"
    resolved = {row[0] for row in incremental["graph_ticket_resolutions"]}
    assert "T-1002" not in resolved, "the reopened ticket left the resolutions"
