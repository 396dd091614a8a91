"""Chats arrive in two loads; the build after the second is the planned one (`supportlake
build`: only what the new loads changed). Every chat mart then equals a full refresh of the
same data, row for row: the sessions and messages, the CSV contracts, the daily roll-up, the
reconciliation per load and the quarantine."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from supportlake.build_plan import plan_build
from supportlake.build_runner import run_build
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from tests.incremental.marts import ingest_or_fail, snapshot_marts

LANDING = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CHAT_MODELS = (
    "path:models/staging/chats path:models/staging/twitter "
    "path:models/intermediate/chats path:models/marts/chats"
)
CHAT_MARTS = (
    "chats",
    "messages",
    "chat_sessions",
    "chat_messages_enriched",
    "agg_chats_daily",
    "chat_reconciliation",
    "quarantined_chat_records",
)


def _split(source: Path, first: Path, second: Path) -> None:
    """The export's records in two files: the first half, then the rest (the second holds a
    later copy of a chat of the first, 9100003, and a record without an id)."""
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, records = rows[0], rows[1:]
    half = len(records) // 2
    for path, part in ((first, records[:half]), (second, records[half:])):
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows([header, *part])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.getvalue(), encoding="utf-8")


def test_a_planned_build_after_a_second_chat_load_equals_a_full_refresh(tmp_path, monkeypatch):
    # only the tests whose models are all selected: this warehouse holds the chat models only
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "cautious")
    settings = Settings.in_folder(tmp_path / "warehouse")
    first, second = tmp_path / "first", tmp_path / "second"
    _split(
        LANDING / "chats" / "chat_exports_messy.csv",
        first / "chats" / "a.csv",
        second / "chats" / "b.csv",
    )
    _split(
        LANDING / "tweets" / "twcs_sample.csv",
        first / "tweets" / "a.csv",
        second / "tweets" / "b.csv",
    )

    ingest_or_fail(settings, first)
    assert run_build(settings, plan_build(settings), select=CHAT_MODELS).success
    ingest_or_fail(settings, second)
    plan = plan_build(settings)
    assert plan.select and sorted(plan.sources) == ["chats", "tweets"], plan.reason
    assert run_build(settings, plan).success
    planned = snapshot_marts(settings, CHAT_MARTS)
    assert planned["chat_reconciliation"], "the reconciliation covers the loads"
    assert any(row for row in planned["chat_sessions"]), "the chats reached the marts"

    run_dbt(["run", "--full-refresh", "--select", CHAT_MODELS], settings)
    assert snapshot_marts(settings, CHAT_MARTS) == planned
