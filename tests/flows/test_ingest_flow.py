"""The ingest flow and the `supportlake ingest` command on a real Prefect test server."""

from __future__ import annotations

import json

import duckdb
import pytest
from prefect.testing.utilities import prefect_test_harness
from typer.testing import CliRunner

from flows.ingest import ingest_flow
from supportlake.cli import app


@pytest.fixture(scope="module", autouse=True)
def prefect_server():
    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def lake(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect"))
    tickets = tmp_path / "lake" / "landing" / "tickets"
    tickets.mkdir(parents=True)
    (tickets / "a.csv").write_text("ticket_id,category\nT-1,Billing\nT-2\nT-3,Account\n")
    rows = [{"ticket_id": "T-4", "category": "Bug"}, {"ticket_id": "T-5"}]
    (tickets / "b.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return tmp_path


def test_ingest_flow_loads_the_landing_folder_once(lake):
    summary = ingest_flow()

    assert [(result.path.name, result.status) for result in summary.files] == [
        ("a.csv", "loaded"),
        ("b.jsonl", "loaded"),
    ]
    assert (summary.rows_loaded, summary.rows_quarantined) == (4, 1)
    assert summary.warehouse == lake / "warehouse.duckdb"

    again = ingest_flow(path=str(lake / "lake" / "landing"))

    assert [result.status for result in again.files] == ["skipped", "skipped"]
    with duckdb.connect(str(lake / "warehouse.duckdb"), read_only=True) as connection:
        assert connection.execute("select count(*) from raw.tickets").fetchone() == (4,)


def test_cli_reports_every_file_and_exits_non_zero_when_one_failed(lake):
    foreign = lake / "lake" / "landing" / "tickets" / "c_foreign.csv"
    foreign.write_text("Foo,Bar\n1,2\n")
    runner = CliRunner()

    result = runner.invoke(app, ["ingest"], env={"COLUMNS": "200"})

    assert result.exit_code == 1, result.output
    assert "2 loaded (4 rows), 1 rows quarantined" in result.output
    assert "1 failed" in result.output
    assert "c_foreign.csv has none of the tickets columns; its columns: 'Foo', 'Bar'" in (
        result.output
    )
    assert f"warehouse {lake / 'warehouse.duckdb'}" in result.output

    foreign.unlink()
    rerun = runner.invoke(app, ["ingest", str(lake / "lake" / "landing" / "tickets")])

    assert rerun.exit_code == 0, rerun.output
    assert "2 skipped (already loaded)" in rerun.output


def test_cli_refuses_a_wrong_source_without_starting_a_flow(lake):
    result = CliRunner().invoke(app, ["ingest", "--source", "invoices"])

    assert result.exit_code == 2
    assert "unknown source 'invoices'" in result.output


def test_cli_ingest_is_recorded_in_prefect_when_an_api_is_configured(lake, monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    only_ingest = FlowFilter(name=FlowFilterName(any_=["ingest-flow"]))
    with get_client(sync_client=True) as client:
        before = len(client.read_flow_runs(flow_filter=only_ingest))

    result = CliRunner().invoke(app, ["ingest"])

    assert result.exit_code == 0, result.output
    assert "run directly" not in result.output
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(flow_filter=only_ingest)
    assert len(runs) == before + 1
    assert {run.state.type.value for run in runs} == {"COMPLETED"}
