"""The incremental graph marts' key test (unique_since_last_build) checks only the values of
the rows loaded since the last successful build, against every row: a new edge that repeats
an old one still fails the build's test."""

from __future__ import annotations

import shutil
from pathlib import Path

from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import dbt_target_path, run_dbt
from supportlake.warehouse import open_warehouse

TICKETS = Path(__file__).resolve().parents[1] / "fixtures" / "landing" / "tickets"
GRAPH = "+path:models/marts/graph"
EDGE_TEST = "unique_since_last_build_graph_edges_edge_id"


def test_a_repeated_key_among_the_new_rows_fails_and_old_rows_are_not_grouped_again(
    tmp_path, monkeypatch
):
    # only the tests whose models are all selected
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings.in_folder(tmp_path / "warehouse")
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    shutil.copy(TICKETS / "2024-06_helpdesk_export.csv", first)
    shutil.copy(TICKETS / "2024-06_helpdesk_export_reexport.csv", later)
    ingest_path(first, settings=settings, source="tickets")
    assert run_build(settings, plan_build(settings), select=GRAPH).success
    ingest_path(later, settings=settings, source="tickets")
    assert run_build(settings, plan_build(settings), select=GRAPH).success

    compiled = next(dbt_target_path(settings).glob(f"compiled/**/{EDGE_TEST}.sql")).read_text()
    assert "new_values" in compiled, "a build after a recorded one checks the new rows' keys"

    with open_warehouse(settings) as connection:  # an edge written again by a faulty build
        connection.execute(
            "insert into marts.graph_edges select * replace (current_localtimestamp() as "
            "_loaded_at) from marts.graph_edges where relation = 'opened' limit 1"
        )
    result = run_dbt(["test", "--select", EDGE_TEST], settings, raise_on_failure=False)
    assert not result.success and any(EDGE_TEST in failure for failure in result.failures)
