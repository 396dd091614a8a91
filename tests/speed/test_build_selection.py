"""`supportlake build` builds what new loads changed, skips dbt when nothing is new, and
leaves dbt's unit tests to CI unless asked."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from supportlake.build_plan import plan_build
from supportlake.cli import app
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import dbt_target_path, run_dbt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CHAT_FIXTURE = FIXTURES / "chats" / "chat_exports_messy.csv"


def _environment(settings: Settings) -> dict[str, str]:
    return {
        "SUPPORTLAKE_WAREHOUSE": str(settings.warehouse),
        "SUPPORTLAKE_LAKE": str(settings.lake),
        "SUPPORTLAKE_MODELS_DIR": str(settings.models_dir),
        "SUPPORTLAKE_PREFECT_HOME": str(settings.prefect_home),
        "COLUMNS": "200",
    }


def _build(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(app, ["build", *args], env=_environment(settings))
    assert result.exit_code == 0, result.output
    return result.output


def _nodes_of_last_run(settings: Settings) -> set[str]:
    results = json.loads((dbt_target_path(settings) / "run_results.json").read_text())
    return {result["unique_id"] for result in results["results"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, set[str]]:
    """The fixture exports ingested and built once; and the nodes that first build ran."""
    settings = Settings.in_folder(tmp_path_factory.mktemp("incremental"))
    shutil.copytree(FIXTURES, settings.landing)
    ingest_path(settings.landing, settings)
    output = _build(settings)
    assert "building everything: no successful build recorded yet" in output
    return settings, _nodes_of_last_run(settings)


def test_a_build_runs_data_tests_but_no_unit_tests_unless_asked(built):
    settings, first_build = built
    assert any(node.startswith("test.") for node in first_build)
    assert not any(node.startswith("unit_test.") for node in first_build)

    _build(settings, "--select", "stg_chats__chats", "--unit-tests")

    assert any(node.startswith("unit_test.") for node in _nodes_of_last_run(settings))


def test_with_nothing_new_loaded_the_build_says_so_and_runs_no_dbt(built):
    settings, _ = built
    log = settings.lake / "logs" / "dbt" / "dbt.log"
    log_before = log.read_text(encoding="utf-8")

    output = _build(settings)

    assert "nothing new loaded since the last successful build: nothing to build" in output
    assert log.read_text(encoding="utf-8") == log_before
    assert plan_build(settings, everything=True).select is None  # --all: every model


def test_new_chats_rebuild_the_chat_models_and_reconciliations_not_the_ticket_marts(
    built, tmp_path
):
    settings, _ = built
    header, first, *_ = CHAT_FIXTURE.read_text(encoding="utf-8").splitlines()
    new_chat = tmp_path / "new_chats.csv"
    new_chat.write_text(f"{header}\n{first.replace('9100001', '9900001', 1)}\n")
    assert ingest_path(new_chat, settings, source="chats").rows_loaded == 1

    output = _build(settings)

    assert "building 1 new load(s) since the last successful build (chats)" in output
    models = {node.split(".")[-1] for node in _nodes_of_last_run(settings) if "model." in node}
    assert {"chats", "messages", "chat_reconciliation", "quarantined_chat_records"} <= models
    assert "tickets" not in models and "stg_helpdesk__tickets" not in models
    # the other sources' reconciliations read only their own share of the load manifest
    assert not {"ticket_load_reconciliations", "knowledge_base_load_reconciliations"} & models
    with duckdb.connect(str(settings.warehouse), read_only=True) as connection:
        found = connection.execute(
            """select count(*) from marts.chats where "chatId" = '9900001'"""
        )
        assert found.fetchone() == (1,)
    assert "nothing to build" in _build(settings)


def test_every_reader_of_the_shared_manifest_also_reads_its_own_source(built):
    """The planner rebuilds a source's descendants after its loads, not everything the load
    manifest or quarantine feeds (build_plan._selection): right only while every model that
    reads them (beyond their staging views) also reads the table of the source whose share
    it reports."""
    settings, _ = built
    run_dbt(["parse"], settings)  # builds write no manifest.json (run_dbt): parse does
    manifest = json.loads((dbt_target_path(settings) / "manifest.json").read_text())
    parents = manifest["parent_map"]

    def sources_above(node: str) -> set[str]:
        seen: set[str] = set()
        stack = [node]
        while stack:
            for parent in parents.get(stack.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return {parent for parent in seen if parent.startswith("source.")}

    shared = {"source.supportlake.helpdesk.load_manifest", "source.supportlake.helpdesk.quarantine"}
    readers = [
        node for node in parents if node.startswith("model.") and sources_above(node) & shared
    ]
    assert len(readers) > 5
    alone = [node for node in readers if not sources_above(node) - shared]
    assert sorted(alone) == [
        "model.supportlake.stg_helpdesk__load_manifest",
        "model.supportlake.stg_helpdesk__quarantine",
    ]
