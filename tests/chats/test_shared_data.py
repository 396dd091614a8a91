"""The real reference data (../shared/data/chats) through ingest, dbt and the CSV export.
Skipped where the files are absent; they are never copied into the project."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from supportlake.export.chats import export_chats
from tests.chats.conftest import build_chat_warehouse, query
from tests.chats.test_export import check_contract_files

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "chats"
CHAT_EXPORT = SHARED / "source_chat_data.csv"
TWEETS = SHARED / "twcs_head5000.csv"

pytestmark = pytest.mark.skipif(
    not (CHAT_EXPORT.exists() and TWEETS.exists()), reason="shared reference data not present"
)


def twitter_threads(path: Path) -> tuple[int, int]:
    """(threads, tweets) of the file's well-formed records, worked out in Python."""
    parents: dict[int, int | None] = {}
    # One tweet carries bare carriage returns; the ingest reads them as spaces, and so do we.
    text = re.sub(rb"\r(?!\n)", b" ", path.read_bytes()).decode("utf-8")
    for record in csv.DictReader(io.StringIO(text, newline="")):
        if None in record or None in record.values() or not record["tweet_id"].isdigit():
            continue  # a record broken over lines
        parent = record["in_response_to_tweet_id"]
        parents[int(record["tweet_id"])] = int(float(parent)) if parent else None
    roots = {tweet for tweet, parent in parents.items() if parent not in parents}
    return len(roots), len(parents)


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("shared_chats")
    for source, file in (("chats", CHAT_EXPORT), ("tweets", TWEETS)):
        (root / "landing" / source).mkdir(parents=True)
        shutil.copy(file, root / "landing" / source / file.name)
    return build_chat_warehouse(root, root / "landing")


def test_the_real_chat_export_reaches_the_marts_whole(shared_warehouse):
    (row,) = query(
        shared_warehouse,
        "select records_landed, records_kept, records_quarantined, records_superseded, "
        "chats_in_marts, messages_in_marts from marts.chat_reconciliation "
        "where source_system = 'chat_export'",
    )
    # 50 chats, 91 messages (data README); nothing quarantined or deduplicated
    assert row == (50, 50, 0, 0, 50, 91)
    (languages,) = query(
        shared_warehouse,
        "select list(distinct language order by language) from marts.chat_sessions "
        "where source_system = 'chat_export'",
    )
    assert languages == (["en", "fr", "nl"],)


def test_the_twitter_sample_becomes_one_chat_per_thread(shared_warehouse):
    threads, tweets = twitter_threads(TWEETS)
    (row,) = query(
        shared_warehouse,
        "select records_kept, chats_in_marts, messages_in_marts from marts.chat_reconciliation "
        "where source_system = 'twitter'",
    )
    (chats,) = query(
        shared_warehouse,
        "select count(*) from marts.chat_sessions where source_system = 'twitter'",
    )
    assert row[0] == row[2] == tweets and chats == (threads,)
    assert threads > 1300


def test_both_sources_export_to_the_contract_files(shared_warehouse, tmp_path):
    result = export_chats(tmp_path, shared_warehouse)
    chats, messages = check_contract_files(tmp_path)
    threads, tweets = twitter_threads(TWEETS)
    assert len(chats) == result.rows["chats.csv"] == 50 + threads
    assert len(messages) == result.rows["messages.csv"] == 91 + tweets
    assert {row["role"] for row in messages} == {"assistant", "user"}
