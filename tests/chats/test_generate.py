"""`supportlake generate chats`: deterministic, partitioned, and as messy as its summary says."""

from __future__ import annotations

import csv
import json
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.generate.chats import DEFAULT_MESS, generate_chats
from supportlake.sources import CHATS

# Rates high enough that every kind of mess shows up in a few hundred chats.
LOUD_MESS = {kind: max(rate, 0.03) for kind, rate in DEFAULT_MESS.items()}


def read_parquet(files) -> pa.Table:
    return pa.concat_tables([pq.read_table(path) for path in files])


def parse(log):
    try:
        return json.loads(log)
    except (TypeError, json.JSONDecodeError):
        return None


def test_the_same_seed_writes_the_same_files(tmp_path):
    first = generate_chats(tmp_path / "a", 300, seed=7, partition_rows=100, show_progress=False)
    again = generate_chats(tmp_path / "b", 300, seed=7, partition_rows=100, show_progress=False)
    other = generate_chats(tmp_path / "c", 300, seed=8, partition_rows=100, show_progress=False)
    assert read_parquet(first.files).equals(read_parquet(again.files))
    assert first.mess == again.mess and first.messages == again.messages
    assert not read_parquet(first.files).equals(read_parquet(other.files))


def test_files_are_partitions_in_the_source_format(tmp_path):
    summary = generate_chats(tmp_path, 250, seed=1, partition_rows=100, show_progress=False)
    assert [path.rsplit("/", 1)[1] for path in summary.files] == [
        "chats-seed1-part00000.parquet",
        "chats-seed1-part00001.parquet",
        "chats-seed1-part00002.parquet",
    ]
    tables = [pq.read_table(path) for path in summary.files]
    assert all(table.column_names == list(CHATS.columns) for table in tables)
    assert all(field.type == pa.string() for table in tables for field in table.schema)
    assert sum(table.num_rows for table in tables) == summary.rows_written
    assert (
        summary.rows_written
        == summary.chats + summary.mess["re_exported"]
        == 250 + (summary.mess["re_exported"])
    )
    table = read_parquet(summary.files)
    assert set(table["language"].to_pylist()) == {"nl", "fr", "en"}


def test_the_mess_in_the_summary_is_in_the_files(tmp_path):
    summary = generate_chats(
        tmp_path, 600, seed=3, partition_rows=200, mess=LOUD_MESS, show_progress=False
    )
    rows = read_parquet(summary.files).to_pylist()
    logs = [parse(row["conversation_log"]) for row in rows]
    blank = [row["conversation_log"] is None for row in rows]
    broken = [log is None and not is_blank for log, is_blank in zip(logs, blank, strict=True)]
    injected = summary.mess
    # a re-export copies its chat's log, damage included
    assert sum(blank) >= injected["null_log"] > 0
    assert sum(broken) >= injected["malformed_log"] + injected["truncated_log"] > 0
    # re-exports: the same chat_id again, with a later updated_at
    by_chat = Counter(row["chat_id"] for row in rows)
    assert sum(count - 1 for count in by_chat.values()) == injected["re_exported"] > 0
    firsts: dict[str, str] = {}
    for row in rows:
        if row["chat_id"] in firsts:
            assert row["updated_at"] > firsts[row["chat_id"]]
        firsts.setdefault(row["chat_id"], row["updated_at"])
    messages = [message for log in logs if isinstance(log, list) for message in log]
    roles = Counter(message["role"] for message in messages)
    assert set(roles) - {"user", "assistant"}, "no odd roles"
    assert any(message["content"] in (None, "", "   ") for message in messages)
    assert any((message["content"] or "").startswith(("=", "+", "-", "@")) for message in messages)
    assert any("@example" in (message["content"] or "") for message in messages)
    mismatched = [
        row
        for row, log in zip(rows, logs, strict=True)
        if isinstance(log, list) and int(row["message_count"]) != len(log)
    ]
    assert len(mismatched) >= injected["count_mismatch"] > 0
    infos = [parse(row["structured_info"]) for row in rows]
    assert sum(info is None for info in infos) >= injected["bad_structured_info"]
    assert any("utm_source" in info or "debug" in info for info in infos if info)


def test_csv_partitions_read_back_with_the_csv_module(tmp_path):
    summary = generate_chats(
        tmp_path, 120, seed=5, file_format="csv", partition_rows=60, show_progress=False
    )
    rows = []
    for path in summary.files:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            assert next(reader) == list(CHATS.columns)
            rows.extend(reader)
    assert len(rows) == summary.rows_written
    assert sum(isinstance(parse(row[4]), list) for row in rows) > 100


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="parquet or csv"):
        generate_chats(tmp_path, 10, file_format="xlsx")
    with pytest.raises(ValueError, match="unknown mess kinds"):
        generate_chats(tmp_path, 10, mess={"typos": 0.1})


def test_generate_chats_command_writes_to_the_lakes_landing_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPPORTLAKE_LAKE", str(tmp_path / "lake"))
    result = CliRunner().invoke(
        app, ["generate", "chats", "--rows", "150", "--seed", "2", "--partition-rows", "100"]
    )
    assert result.exit_code == 0, result.output
    landing = tmp_path / "lake" / "landing" / "chats"
    assert sorted(path.name for path in landing.iterdir()) == [
        "chats-seed2-part00000.parquet",
        "chats-seed2-part00001.parquet",
    ]
    assert "150 chats" in result.output and "mess injected:" in result.output
