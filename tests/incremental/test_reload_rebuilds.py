"""A load retired after it was built (`ingest --reload`) took rows out of raw that the
incremental marts.tickets still holds: the next build rebuilds from scratch, once."""

from __future__ import annotations

from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse

EXPORT = (
    "Id,Ref,created_at,status,priority,category,channel,queue,subject\n"
    "T-1,R-1,2024-06-01 09:00:00,Open,High,Billing,Email,Billing,first\n"
    "T-2,R-2,2024-06-01 10:00:00,Open,High,Billing,Email,Billing,second\n"
)
# The first load read the ticket id from the wrong column; the reload from the right one.
WRONG_MAPPING = "source: tickets\ncolumns: {Ref: ticket_id, Id: null}\n"
RIGHT_MAPPING = "source: tickets\ncolumns: {Id: ticket_id, Ref: null}\n"
TICKETS_AND_PARENTS = "+tickets"  # the mart and what it is built from (staging, seeds)


def _tickets(settings: Settings) -> dict[str, str]:
    with open_warehouse(settings, read_only=True) as connection:
        return dict(connection.execute("select ticket_id, subject from marts.tickets").fetchall())


def test_a_reload_after_a_build_rebuilds_the_incremental_marts_from_scratch(tmp_path, monkeypatch):
    # only the tests whose models are all selected (not the relationships to customers, ...)
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings.in_folder(tmp_path / "warehouse")
    export = tmp_path / "drop" / "export.csv"
    export.parent.mkdir()
    export.write_text(EXPORT, encoding="utf-8")
    wrong, right = tmp_path / "wrong.yaml", tmp_path / "right.yaml"
    wrong.write_text(WRONG_MAPPING, encoding="utf-8")
    right.write_text(RIGHT_MAPPING, encoding="utf-8")
    ingest_path(export, settings, source="tickets", mapping=wrong)
    assert run_build(settings, plan_build(settings), select=TICKETS_AND_PARENTS).success
    assert _tickets(settings) == {"R-1": "first", "R-2": "second"}

    ingest_path(export, settings, source="tickets", mapping=right, reload=True)
    plan = plan_build(settings)
    assert plan.full_refresh and "retired" in plan.reason
    assert run_build(settings, plan, select=TICKETS_AND_PARENTS).success

    # an incremental build would have kept beside T-1 and T-2
    assert _tickets(settings) == {"T-1": "first", "T-2": "second"}
    assert plan_build(settings).nothing_to_build  # the retired load is forgotten
