"""`supportlake export chats --format generic`: chat_messages.csv, one row per message, with
the documented columns, read back with Python's csv module."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.export.generic_chats import GENERIC_COLUMNS
from supportlake.settings import Settings
from tests.chats.conftest import query

DOCS = Path(__file__).resolve().parents[2] / "docs"
# The documented columns, copied by hand: the test does not trust the code.
DOCUMENTED = [
    "chat_id", "message_id", "message_position", "sent_at", "role", "content",
    "is_turn_start", "response_seconds", "channel", "organization_id", "language",
    "chat_started_at", "chat_message_count", "chat_sentiment", "chat_resolution",
]  # fmt: skip
runner = CliRunner()


def point_cli_at(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    monkeypatch.setenv("SUPPORTLAKE_WAREHOUSE", str(settings.warehouse))
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(settings.lake))


@pytest.fixture
def generic_rows(fixture_warehouse: Settings, monkeypatch, tmp_path) -> list[dict[str, str]]:
    point_cli_at(monkeypatch, fixture_warehouse)
    result = runner.invoke(app, ["export", "chats", "--format", "generic", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "chat_messages.csv" in result.output
    path = tmp_path / "chat_messages.csv"
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(DOCUMENTED)
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_message_of_every_chat(generic_rows, fixture_warehouse) -> None:
    ((messages, chats),) = query(
        fixture_warehouse,
        "select count(*), count(distinct chat_id) from marts.chat_messages_enriched",
    )
    assert len(generic_rows) == messages > 0
    assert len({row["chat_id"] for row in generic_rows}) == chats
    assert {row["role"] for row in generic_rows} <= {"user", "assistant", ""}
    assert {row["channel"] for row in generic_rows} == {"chat_export", "twitter"}


def test_messages_keep_their_chat_order_and_text(generic_rows, fixture_warehouse) -> None:
    chat_id = generic_rows[0]["chat_id"]
    expected = query(
        fixture_warehouse,
        'select "content", "role" from marts.messages where "chatId" = ? order by "sk messageId"',
        [chat_id],
    )
    rows = [row for row in generic_rows if row["chat_id"] == chat_id]
    assert [int(row["message_position"]) for row in rows] == list(range(1, len(rows) + 1))
    assert [(row["content"], row["role"]) for row in rows] == [
        (content or "", role or "") for content, role in expected
    ]


def test_cells_follow_the_contract_files_rules(generic_rows) -> None:
    timestamps = [row["sent_at"] for row in generic_rows if row["sent_at"]]
    assert timestamps and all(
        re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", value) for value in timestamps
    )
    assert {row["is_turn_start"] for row in generic_rows} <= {"true", "false"}
    guarded = [row["content"] for row in generic_rows if row["content"][:2] in {"'@", "'="}]
    assert guarded, "the fixture has messages starting with @ or ="
    assert not [row for row in generic_rows if row["content"][:1] in {"=", "@"}]


def test_the_documented_columns_are_the_exported_ones() -> None:
    assert [column.name for column in GENERIC_COLUMNS] == DOCUMENTED
    section = (DOCS / "chats.md").read_text().split("## Generic export", 1)[1]
    documented = re.findall(r"^\| \d+ \| `([a-z_]+)` \|", section, flags=re.MULTILINE)
    assert documented == DOCUMENTED


def test_without_chat_marts_the_export_says_what_to_run(monkeypatch, tmp_path) -> None:
    import duckdb

    settings = Settings.in_folder(tmp_path)
    duckdb.connect(str(settings.warehouse)).close()
    point_cli_at(monkeypatch, settings)
    result = runner.invoke(app, ["export", "chats", "--format", "generic"])
    assert result.exit_code == 1
    assert "the chat marts do not exist: run `supportlake build`" in " ".join(result.output.split())
