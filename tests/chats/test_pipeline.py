"""Each kind of mess in the fixture export, followed from landing file to the marts: nothing
is lost, everything is counted (tests/fixtures/landing/chats and tweets)."""

from __future__ import annotations

import json

from tests.chats.conftest import query


def reconciliation(settings, source_system):
    columns = (
        "ingest_records_read, ingest_records_quarantined, records_landed, records_kept, "
        "records_quarantined, records_superseded, chats_in_marts, messages_in_marts"
    )
    (row,) = query(
        settings,
        f"select {columns} from marts.chat_reconciliation where source_system = ?",
        [source_system],
    )
    return dict(zip([name.strip() for name in columns.split(",")], row, strict=True))


def session(settings, chat_id, *columns):
    return query(
        settings,
        f"select {', '.join(columns)} from marts.chat_sessions where chat_id = ?",
        [chat_id],
    )[0]


def test_chats_in_equal_chats_in_marts_plus_quarantined_plus_deduplicated(fixture_warehouse):
    counts = reconciliation(fixture_warehouse, "chat_export")
    # 15 records: 10 chats kept, 4 quarantined (malformed, truncated, object, no id), and the
    # older export of the chat exported twice.
    assert counts["ingest_records_read"] == counts["records_landed"] == 15
    assert (counts["records_kept"], counts["records_quarantined"]) == (10, 4)
    assert counts["records_superseded"] == 1
    assert counts["chats_in_marts"] == 10
    (chats,) = query(
        fixture_warehouse,
        """select count(*) from marts.chats where "chatId" not like 'twitter-%'""",
    )
    assert chats == (10,)


def test_unparseable_logs_go_to_quarantine_with_a_reason(fixture_warehouse):
    rows = query(
        fixture_warehouse,
        "select chat_id, quarantine_reason, raw_record from marts.quarantined_chat_records "
        "where source_system = 'chat_export' order by source_row_number",
    )
    reasons = {chat_id: reason for chat_id, reason, _ in rows}
    assert reasons == {
        "9100004": "conversation_log is not valid JSON (malformed or truncated)",
        "9100005": "conversation_log is not valid JSON (malformed or truncated)",
        "9100010": "conversation_log is JSON but not an array",
        None: "chat_id is missing",
    }
    # the record's text is kept for replay
    assert rows[0][2].startswith("[{'id': 'm4-1'")


def test_null_and_empty_logs_keep_their_chat_without_messages(fixture_warehouse):
    assert session(fixture_warehouse, "9100006", "log_status", "message_count") == ("missing", 0)
    assert session(fixture_warehouse, "9100013", "log_status", "message_count") == ("parsed", 0)


def test_a_chat_exported_twice_keeps_its_latest_export(fixture_warehouse):
    (row,) = query(
        fixture_warehouse,
        """select "updated at", "language" from marts.chats where "chatId" = '9100003'""",
    )
    assert str(row[0]) == "2025-05-29 10:30:00" and row[1] == "fr"
    assert session(
        fixture_warehouse, "9100003", "message_count", "export_count", "is_exported_more_than_once"
    ) == (3, 2, True)


def test_message_count_mismatches_are_flagged(fixture_warehouse):
    flagged = query(
        fixture_warehouse,
        "select chat_id, reported_message_count, message_count from marts.chat_sessions "
        "where has_message_count_mismatch order by chat_id",
    )
    assert flagged == [("9100006", 3, 0), ("9100007", 4, 1)]


def test_unknown_roles_and_empty_content_are_kept_and_flagged(fixture_warehouse):
    messages = query(
        fixture_warehouse,
        "select role, source_role, is_content_empty from marts.chat_messages_enriched "
        "where chat_id = '9100008' order by message_position",
    )
    assert messages == [
        ("assistant", "Assistant ", False),
        (None, "system", False),
        ("user", "USER", True),
        ("user", "user", True),
        ("assistant", "bot", False),
    ]
    assert session(
        fixture_warehouse, "9100008", "unknown_role_message_count", "empty_content_message_count"
    ) == (1, 2)


def test_structured_info_fields_land_in_the_contract_columns(fixture_warehouse):
    (row,) = query(
        fixture_warehouse,
        """select "countries", "cities", "trip type", "actions", "first name", "name",
                  "pois", "is structured info extracted", "has email"
           from marts.chats where "chatId" = '9100002'""",
    )
    arrays = [json.loads(cell) for cell in row[:4]]
    assert arrays == [["Spain"], ["Barcelona"], ["city"], ["get_in_touch", "show_offers"]]
    assert row[4:] == ("Jan", "Jan Jansen", "[]", True, True)
    assert session(fixture_warehouse, "9100002", "structured_info_extra_keys") == (["utm_source"],)
    # structured_info that is not JSON leaves the chat in, with empty arrays
    assert session(fixture_warehouse, "9100009", "structured_info_status", "actions") == (
        "malformed",
        None,
    )


def test_contact_details_are_masked_before_the_marts(fixture_warehouse):
    contents = [
        content
        for (content,) in query(
            fixture_warehouse,
            """select content from marts.messages where "chatId" in ('9100002', 'twitter-101')
               order by "sk messageId" """,
        )
    ]
    assert "Ik zoek een hotel in Barcelona, mail me op [email]" in contents
    assert "Ja graag, of bel me op [phone]" in contents
    assert "@sprintcare sent, it is [phone]" in contents
    assert not any("example.nl" in text or "12345678" in text for text in contents)


def test_time_features_and_first_response(fixture_warehouse):
    assert session(
        fixture_warehouse,
        "9100002",
        "created_hour",
        "created_weekday",
        "duration_seconds",
        "first_response_seconds",
        "turn_count",
    ) == (13, 3, 95.0, 4.5, 5)
    # an impossible created_at is null and flagged, the chat stays
    assert session(fixture_warehouse, "9100012", "created_at", "has_invalid_timestamps") == (
        None,
        True,
    )


def test_twitter_threads_become_chats_with_messages_in_time_order(fixture_warehouse):
    messages = query(
        fixture_warehouse,
        """select "messageId", "role", "organizationId" from marts.messages
           where "chatId" = 'twitter-101' order by "sk messageId" """,
    )
    assert messages == [
        ("101", "user", "sprintcare"),
        ("105", "assistant", "sprintcare"),
        ("102", "assistant", "sprintcare"),
        ("103", "user", "sprintcare"),
        ("104", "assistant", "sprintcare"),
    ]
    chats = query(
        fixture_warehouse,
        "select chat_id, message_count from marts.chat_sessions "
        "where source_system = 'twitter' order by chat_id",
    )
    # 302 answers a tweet that is not in the file: its thread starts there
    assert chats == [("twitter-101", 5), ("twitter-201", 2), ("twitter-302", 2)]


def test_tweets_in_equal_tweets_in_marts_plus_quarantined_plus_deduplicated(fixture_warehouse):
    counts = reconciliation(fixture_warehouse, "twitter")
    # 15 records read: the broken two-line record is quarantined by the ingest (2 lines);
    # of 13 landed, the reply cycle (2) and the id "n/a" are quarantined, the repeated tweet
    # 202 is superseded and 9 tweets become messages.
    assert (counts["ingest_records_read"], counts["ingest_records_quarantined"]) == (15, 2)
    assert counts["records_landed"] == 13
    assert (counts["records_kept"], counts["records_quarantined"]) == (9, 3)
    assert counts["records_superseded"] == 1
    assert counts["messages_in_marts"] == 9
    reasons = query(
        fixture_warehouse,
        "select chat_id, quarantine_reason from marts.quarantined_chat_records "
        "where source_system = 'twitter' order by source_row_number",
    )
    assert [chat_id for chat_id, _ in reasons] == ["401", "402", None]
    assert reasons[0][1].startswith("reply chain reaches no first tweet")
