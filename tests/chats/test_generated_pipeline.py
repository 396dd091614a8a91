"""Generated exports through the real ingest and dbt, checked against an independent reading of
the same files with json.loads: every chat and message is where the oracle says."""

from __future__ import annotations

import json
from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from supportlake.generate.chats import DEFAULT_MESS, generate_chats
from tests.chats.conftest import build_chat_warehouse, query

LOUD_MESS = {kind: max(rate, 0.03) for kind, rate in DEFAULT_MESS.items()}
ROLES = {"assistant": "assistant", "bot": "assistant", "agent": "assistant"} | {
    "user": "user",
    "customer": "user",
    "visitor": "user",
}
# The structured_info keys the marts map (macros/chats/chat_structured_info.sql).
KNOWN_KEYS = {
    "actions", "locations", "pois", "provinces", "countries", "cities", "regions",
    "section_type", "trip_type", "email_types", "categories", "themes", "first_name",
    "last_name", "name", "email", "phone_number", "suborganization", "starting_domain",
    "most_relevant_trip_name", "most_relevant_brand_name", "recommendations_cta_url",
    "intent_type", "current_brands",
}  # fmt: skip


def oracle(files: list[str]) -> dict:  # noqa: C901 -- an independent re-reading, kept in one piece
    """What the marts must hold, worked out row by row in Python."""
    kept: dict[str, tuple] = {}
    counts = defaultdict(int)
    for path in sorted(files):
        for row in pq.read_table(path).to_pylist():
            counts["landed"] += 1
            text = row["conversation_log"]
            if text is None or text.strip() in ("", "null"):
                log = []
            else:
                try:
                    log = json.loads(text)
                except json.JSONDecodeError:
                    log = None
            if log is None or not isinstance(log, list) or not (row["chat_id"] or "").strip():
                counts["quarantined"] += 1
                continue
            key = (row["updated_at"], path)  # re-exports come later in both
            chat_id = row["chat_id"].strip()
            if chat_id in kept:
                counts["superseded"] += 1
                if key <= kept[chat_id][0]:
                    continue
            kept[chat_id] = (key, row, log)
    expected = dict(counts, kept=len(kept), messages=0, unknown_roles=0, empty=0)
    expected.update(mismatched=0, extra_keys=0, message_ids={})
    for chat_id, (_, row, log) in kept.items():
        expected["messages"] += len(log)
        expected["message_ids"][chat_id] = [(m or {}).get("id") for m in log]
        for message in log:
            message = message if isinstance(message, dict) else {}
            role = message.get("role")
            if not isinstance(role, str) or role.strip().lower() not in ROLES:
                expected["unknown_roles"] += 1
            if not (message.get("content") or "").strip():
                expected["empty"] += 1
        if int(row["message_count"]) != len(log):
            expected["mismatched"] += 1
        try:
            info = json.loads(row["structured_info"])
        except json.JSONDecodeError:
            info = None
        if isinstance(info, dict) and set(info) - KNOWN_KEYS:
            expected["extra_keys"] += 1
    return expected


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("generated_chats")
    summary = generate_chats(
        root / "landing" / "chats",
        400,
        seed=11,
        partition_rows=100,
        mess=LOUD_MESS,
        show_progress=False,
    )
    return oracle(summary.files), build_chat_warehouse(root, root / "landing")


def test_chats_reconcile_with_an_independent_reading(generated):
    expected, settings = generated
    (row,) = query(
        settings,
        "select records_landed, records_kept, records_quarantined, records_superseded, "
        "chats_in_marts, messages_in_marts from marts.chat_reconciliation "
        "where source_system = 'chat_export'",
    )
    assert row == (
        expected["landed"],
        expected["kept"],
        expected["quarantined"],
        expected["superseded"],
        expected["kept"],
        expected["messages"],
    )
    assert expected["quarantined"] > 0 and expected["superseded"] > 0


def test_every_kept_message_is_in_messages_in_log_order(generated):
    expected, settings = generated
    rows = query(
        settings, 'select "chatId", "messageId" from marts.messages order by "sk messageId"'
    )
    actual = defaultdict(list)
    for chat_id, message_id in rows:
        actual[chat_id].append(message_id)
    with_messages = {chat: ids for chat, ids in expected["message_ids"].items() if ids}
    assert dict(actual) == with_messages


def test_quality_flags_count_what_the_files_hold(generated):
    expected, settings = generated
    (row,) = query(
        settings,
        "select count(*) filter (where has_message_count_mismatch), "
        "sum(unknown_role_message_count), sum(empty_content_message_count), "
        "count(*) filter (where has_structured_info_extra_keys), "
        "count(*) filter (where is_exported_more_than_once) "
        "from marts.chat_sessions",
    )
    assert row[:4] == (
        expected["mismatched"],
        expected["unknown_roles"],
        expected["empty"],
        expected["extra_keys"],
    )
    assert all(count > 0 for count in row)


def test_no_contact_details_reach_the_messages(generated):
    _, settings = generated
    (leaks,) = query(
        settings,
        "select count(*) from marts.messages "
        "where content like '%@example%' or regexp_matches(content, '06-[0-9]{8}')",
    )
    assert leaks == (0,)
