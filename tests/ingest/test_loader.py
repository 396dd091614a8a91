"""Loading landing files: formats, idempotence, mappings, quarantine, atomicity."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from supportlake.ingest import ingest_file, ingest_path, load_mapping
from supportlake.ingest import loader as loader_module
from supportlake.settings import Settings
from supportlake.sources import TICKETS as TICKETS_SOURCE
from supportlake.warehouse import open_warehouse
from tests.ingest.conftest import (
    FIXTURES,
    TICKETS,
    fetch,
    reconciles,
    write_csv,
    write_json,
    write_jsonl,
    write_parquet,
)

WRITERS = {"csv": write_csv, "json": write_json, "jsonl": write_jsonl, "parquet": write_parquet}


@pytest.mark.parametrize("file_format", sorted(WRITERS))
def test_each_format_loads_every_row_as_text_with_lineage(connection, landing, file_format):
    path = WRITERS[file_format](landing / "tickets" / f"export.{file_format}", TICKETS)

    result = ingest_file(connection, path, "tickets")

    assert (result.status, result.file_format, result.rows_loaded) == ("loaded", file_format, 3)
    rows = fetch(
        connection,
        "select ticket_id, category, resolution_minutes, escalated, message, status, "
        "_row_number, _source_file, _load_id from raw.tickets order by _row_number",
    )
    assert [row[:6] for row in rows] == [
        ("T-1", " billing ", "30", "true", None, None),
        ("T-2", "Technical", "125.5", "false", None, None),
        ("T-3", "Account", "7", "false", 'Printer says "hi", then stops;\nsecond line', None),
    ]
    # CSV numbers rows by line (header = line 1); the other formats by record.
    first = 2 if file_format == "csv" else 1
    assert [row[6] for row in rows] == [first, first + 1, first + 2]
    assert {row[7] for row in rows} == {str(path.resolve())}
    assert {row[8] for row in rows} == {result.load_id}
    manifest = fetch(
        connection,
        "select status, file_format, rows_read, rows_loaded, rows_quarantined, file_bytes "
        "from raw.load_manifest",
    )
    assert manifest == [("loaded", file_format, 3, 3, 0, path.stat().st_size)]


def test_parquet_values_of_any_type_land_as_text(connection, landing):
    path = landing / "tickets" / "typed.parquet"
    with duckdb.connect() as scratch:
        scratch.execute(
            f"""copy (select 42 as ticket_id, 12.5::double as resolution_minutes,
                true as escalated, timestamp '2025-01-02 03:04:05' as created_at,
                {{'note': 'x', 'tags': [1, 2]}} as message) to '{path}' (format parquet)"""
        )

    ingest_file(connection, path, "tickets")

    assert fetch(
        connection,
        "select ticket_id, resolution_minutes, escalated, created_at, message from raw.tickets",
    ) == [("42", "12.5", "true", "2025-01-02 03:04:05", '{"note":"x","tags":[1,2]}')]


def test_loading_the_same_file_again_is_a_no_op_that_says_so(connection, landing):
    path = write_csv(landing / "tickets" / "export.csv", TICKETS)
    first = ingest_file(connection, path, "tickets")

    second = ingest_file(connection, path, "tickets")

    assert second.status == "skipped"
    assert second.message.startswith(f"already loaded as load {first.load_id} on ")
    assert fetch(connection, "select count(*) from raw.tickets") == [(3,)]
    assert fetch(connection, "select count(*) from raw.load_manifest") == [(1,)]


def test_same_content_under_another_name_is_skipped(settings, landing):
    original = write_csv(landing / "tickets" / "2025-01.csv", TICKETS)
    shutil.copy(original, landing / "tickets" / "2025-01 (copy).csv")

    summary = ingest_path(landing, settings)

    assert [(result.path.name, result.status) for result in summary.files] == [
        ("2025-01 (copy).csv", "loaded"),
        ("2025-01.csv", "skipped"),
    ]
    with open_warehouse(settings) as connection:
        assert fetch(connection, "select count(*) from raw.tickets") == [(3,)]


def test_yaml_mapping_renames_foreign_columns_and_records_ignored_ones(connection, tmp_path):
    export = write_csv(
        tmp_path / "zendesk.csv",
        [{"Id": "Z-9", "Created at": "2025-02-01", "Subject": "Refund", "Tags": "vip"}],
        columns=["Id", "Created at", "Subject", "Tags"],
    )
    mapping_file = tmp_path / "mine.yaml"
    mapping_file.write_text(
        "source: tickets\ncolumns:\n  Id: ticket_id\n  Created at: created_at\n  Subject: subject\n"
    )

    result = ingest_file(connection, export, "tickets", load_mapping(mapping_file))

    assert fetch(connection, "select ticket_id, created_at, subject, status from raw.tickets") == [
        ("Z-9", "2025-02-01", "Refund", None)
    ]
    assert result.ignored_columns == ["Tags"]
    assert fetch(connection, "select mapping, ignored_columns from raw.load_manifest") == [
        (str(mapping_file), '["Tags"]')
    ]


def test_packaged_zendesk_mapping_loads_by_name(settings, tmp_path):
    export = write_csv(
        tmp_path / "tickets" / "zendesk.csv",
        [{"Id": "101", "Requester id": "55", "Status": "Solved", "Requester": "Ann"}],
        columns=["Id", "Requester id", "Status", "Requester"],
    )

    summary = ingest_path(export, settings, mapping="zendesk")

    assert summary.files[0].mapping == "zendesk"
    with open_warehouse(settings) as connection:
        assert fetch(connection, "select ticket_id, customer_id, status from raw.tickets") == [
            ("101", "55", "Resolved")  # Zendesk's Solved, in our vocabulary
        ]


@pytest.mark.parametrize("sidecar", ["export.csv.mapping.yaml", "_mapping.yaml"])
def test_sidecar_mapping_applies_without_being_asked(settings, landing, sidecar):
    folder = landing / "tickets"
    write_csv(folder / "export.csv", [{"Case": "K-1", "Body": "hello"}], columns=["Case", "Body"])
    (folder / sidecar).write_text("columns: {Case: ticket_id, Body: message}\n")

    summary = ingest_path(landing, settings)

    assert [result.status for result in summary.files] == ["loaded"]
    with open_warehouse(settings) as connection:
        assert fetch(connection, "select ticket_id, message from raw.tickets") == [("K-1", "hello")]


def test_minimal_notebook_export_loads_with_the_other_columns_null(connection):
    path = FIXTURES / "notebook_minimal_export.csv"

    result = ingest_file(connection, path, "tickets")

    assert (result.status, result.rows_loaded, result.ignored_columns) == ("loaded", 6, [])
    rows = fetch(
        connection,
        "select ticket_id, customer_id, category, resolution_minutes, escalated "
        "from raw.tickets order by _row_number",
    )
    assert rows[1] == ("TCK-0002", "CUST-002", " technical ", None, "True")
    assert rows[5] == ("TCK-0005", None, "General Inquiry", "30", None)
    absent = [
        column
        for column in TICKETS_SOURCE.columns
        if column not in {"ticket_id", "customer_id", "category", "resolution_minutes", "escalated"}
    ]
    non_null = fetch(
        connection,
        "select " + ", ".join(f"count({column})" for column in absent) + " from raw.tickets",
    )
    assert non_null == [tuple(0 for _ in absent)]


def test_bare_carriage_returns_inside_a_record_do_not_break_the_file(connection, tmp_path):
    # As in the real Twitter export: "\r\r" inside an unquoted tweet, CRLF line endings elsewhere.
    path = tmp_path / "tweets.csv"
    path.write_bytes(
        b"ticket_id,customer_id,message\r\n"
        b"T-1,C-1,@AskPayPal \r\rI just love the start of email\r\n"
        b"T-2,C-2,fine\r\n"
        b"T-3,C-3,a field too many,x\r\n"
    )

    result = ingest_file(connection, path, "tickets")

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert result.message == "2 carriage returns inside records were read as spaces"
    messages = connection.execute(
        "select message from raw.tickets where _load_id = ? order by ticket_id", [result.load_id]
    ).fetchall()
    assert messages == [("@AskPayPal   I just love the start of email",), ("fine",)]
    manifest_error = connection.execute(
        "select error from raw.load_manifest where load_id = ?", [result.load_id]
    ).fetchone()[0]
    assert "carriage returns" in manifest_error


def test_malformed_csv_rows_go_to_quarantine_with_line_field_and_reason(connection, tmp_path):
    path = tmp_path / "tickets.csv"
    path.write_bytes(
        b"ticket_id,customer_id,category\n"  # line 1
        b"T-1,C-1,Billing\n"  # 2
        b"T-2,C-2\n"  # 3: a field short
        b'T-3,C-3,"two\nlines"\n'  # 4: fine, one record over two physical lines
        b"T-4,C-4,Billing,surplus\n"  # 5: a field too many
        b"T-5,C-5,Caf\xe9\n"  # 6: latin-1 byte in a UTF-8 file
        b"T-6,C-6,Account\n"  # 7
        b'T-7,C-7,"never closed\n'  # 8: unterminated quote swallows the rest
        b"T-8,C-8,Billing\n"
    )

    result = ingest_file(connection, path, "tickets")

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7, 3, 4)
    quarantined = fetch(
        connection,
        "select row_number, field, reason, raw_record, source_file from raw.quarantine "
        "order by row_number",
    )
    assert [row[:2] for row in quarantined] == [
        (3, "category"),
        (5, None),
        (6, "category"),
        (8, "category"),
    ]
    reasons = [row[2] for row in quarantined]
    assert reasons[0] == "wrong number of fields: expected 3, found 2"
    assert reasons[1] == "wrong number of fields: expected 3, found 4"
    assert reasons[2].startswith("not valid utf-8 text")
    assert reasons[3] == "unterminated or stray quote"
    assert quarantined[0][3] == "T-2,C-2"
    assert quarantined[3][3] == 'T-7,C-7,"never closed\nT-8,C-8,Billing'
    assert {row[4] for row in quarantined} == {str(path.resolve())}
    # Loaded rows keep their own line numbers, so raw and quarantine point into one file.
    assert fetch(connection, "select ticket_id, _row_number from raw.tickets order by 2") == [
        ("T-1", 2),
        ("T-3", 4),
        ("T-6", 7),
    ]
    assert reconciles(connection)


def test_bad_json_lines_go_to_quarantine_with_line_numbers(connection, tmp_path):
    path = tmp_path / "tickets.jsonl"
    path.write_bytes(
        b'{"ticket_id": "T-1", "category": "Billing"}\n'  # 1
        b"\n"  # 2: blank, not a record
        b'{"ticket_id": "T-2", "category": \n'  # 3: cut off
        b"[1, 2]\n"  # 4: JSON but no object
        b'{"ticket_id": "T-3", "category": "Caf\xe9"}\r\n'  # 5: invalid UTF-8, CRLF
        b'{"ticket_id": "T-4", "category": {"nested": true}}\n'  # 6
        b'{"unrelated": 1}\n'  # 7: an object without any of the file's mapped keys
    )

    result = ingest_file(connection, path, "tickets")

    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (6, 2, 4)
    quarantined = fetch(
        connection, "select row_number, reason, raw_record from raw.quarantine order by 1"
    )
    assert [(row[0], row[1]) for row in quarantined] == [
        (3, "line is not valid JSON"),
        (4, "line is not a JSON object but array"),
        (5, "not valid UTF-8 (bytes shown as \\xNN)"),
        (7, "JSON object has none of the mapped keys (ticket_id, category)"),
    ]
    assert quarantined[0][2] == '{"ticket_id": "T-2", "category": '
    assert "Caf\\xE9" in quarantined[2][2]
    assert fetch(
        connection, "select ticket_id, category, _row_number from raw.tickets order by 3"
    ) == [("T-1", "Billing", 1), ("T-4", '{"nested":true}', 6)]
    assert reconciles(connection)


def test_json_array_elements_that_are_not_objects_are_quarantined(connection, tmp_path):
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([{"ticket_id": "T-1"}, "just text", {"ticket_id": "T-2"}]))

    result = ingest_file(connection, path, "tickets")

    assert (result.rows_loaded, result.rows_quarantined) == (2, 1)
    assert fetch(connection, "select row_number, reason, raw_record from raw.quarantine") == [
        (2, "array element is not a JSON object but varchar", '"just text"')
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("zero.csv", b""),
        ("header_only.csv", b"ticket_id,category\n"),
        ("blank.jsonl", b"\n\n"),
        ("no_elements.json", b"[]"),
    ],
)
def test_empty_files_are_recorded_as_empty(connection, tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)

    result = ingest_file(connection, path, "tickets")

    assert result.status == "empty"
    assert fetch(connection, "select status, rows_read from raw.load_manifest") == [("empty", 0)]


def test_empty_parquet_file_is_recorded_as_empty(connection, tmp_path):
    path = tmp_path / "none.parquet"
    with duckdb.connect() as scratch:
        scratch.execute(f"copy (select 'x' as ticket_id where false) to '{path}' (format parquet)")

    assert ingest_file(connection, path, "tickets").status == "empty"


def test_a_file_without_known_columns_fails_clearly_and_the_others_still_load(settings, landing):
    write_csv(landing / "tickets" / "a_good.csv", TICKETS)
    write_csv(landing / "tickets" / "b_foreign.csv", [{"Foo": "1", "Bar": "2"}], ["Foo", "Bar"])
    write_jsonl(landing / "tickets" / "c_good.jsonl", [{"ticket_id": "T-9"}])

    summary = ingest_path(landing, settings)

    assert [result.status for result in summary.files] == ["loaded", "failed", "loaded"]
    assert summary.has_failures
    message = summary.files[1].message
    assert "b_foreign.csv has none of the tickets columns" in message
    assert "'Foo', 'Bar'" in message
    with open_warehouse(settings) as connection:
        assert fetch(connection, "select count(*) from raw.tickets") == [(4,)]
        assert fetch(
            connection,
            "select status, rows_read, error like '%b_foreign.csv%' from raw.load_manifest "
            "where source_file like '%b_foreign.csv'",
        ) == [("failed", 0, True)]


def test_a_failed_file_is_tried_again_once_a_mapping_exists(settings, landing):
    export = write_csv(landing / "tickets" / "foreign.csv", [{"Case": "K-1"}], ["Case"])
    assert ingest_path(landing, settings).files[0].status == "failed"

    (landing / "tickets" / "_mapping.yaml").write_text("columns: {Case: ticket_id}\n")

    assert ingest_path(export, settings).files[0].status == "loaded"


@pytest.mark.parametrize("crash", [RuntimeError("disk went away"), KeyboardInterrupt()])
def test_a_crash_mid_file_leaves_no_rows_of_that_file(connection, tmp_path, monkeypatch, crash):
    path = tmp_path / "tickets.csv"
    path.write_text("ticket_id,category\nT-1,Billing\nT-2\nT-3,Account\n")

    def crash_while_quarantining(*args, **kwargs):
        # The raw insert has run by now: only the transaction stands between it and the table.
        assert fetch(connection, "select count(*) from raw.tickets") == [(2,)]
        raise crash

    monkeypatch.setattr(loader_module, "insert_quarantine", crash_while_quarantining)

    if isinstance(crash, KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            ingest_file(connection, path, "tickets")
        assert fetch(connection, "select count(*) from raw.load_manifest") == [(0,)]
    else:
        result = ingest_file(connection, path, "tickets")
        assert result.status == "failed"
        assert "disk went away" in result.message
        assert fetch(connection, "select status from raw.load_manifest") == [("failed",)]
    assert fetch(connection, "select count(*) from raw.tickets") == [(0,)]
    assert fetch(connection, "select count(*) from raw.quarantine") == [(0,)]

    monkeypatch.undo()
    assert ingest_file(connection, path, "tickets").status == "loaded"
    assert reconciles(connection)


def test_truncated_parquet_fails_with_a_clear_reason(connection, tmp_path):
    path = write_parquet(tmp_path / "full.parquet", TICKETS)
    truncated = tmp_path / "truncated.parquet"
    truncated.write_bytes(path.read_bytes()[:-20])

    result = ingest_file(connection, truncated, "tickets")

    assert result.status == "failed"
    assert result.message.startswith("not a readable parquet file")


def test_truncated_json_array_fails_with_a_clear_reason(connection, tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('[{"ticket_id": "T-1"}, {"ticket_id": "T-')

    result = ingest_file(connection, path, "tickets")

    assert result.status == "failed"
    assert result.message.startswith("not a valid JSON array")


def test_other_encodings_load_when_detected_or_declared(connection, tmp_path):
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("ticket_id,category\nT-1,Café\n", encoding="utf-16")  # writes a BOM
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("ticket_id,category\nT-2,Crème\n".encode("latin-1"))
    latin1.with_name("latin1.csv.mapping.yaml").write_text("encoding: latin-1\n")

    assert ingest_file(connection, utf16, "tickets").status == "loaded"
    assert ingest_file(connection, latin1, "tickets").status == "loaded"

    assert fetch(connection, "select ticket_id, category from raw.tickets order by 1") == [
        ("T-1", "Café"),
        ("T-2", "Crème"),
    ]


def test_semicolon_exports_are_read_without_being_told(connection, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("ticket_id;category;resolution_minutes\nT-1;Billing;12,5\n")

    ingest_file(connection, path, "tickets")

    assert fetch(connection, "select ticket_id, resolution_minutes from raw.tickets") == [
        ("T-1", "12,5")
    ]


def test_io_errors_propagate_for_the_caller_to_retry(connection, tmp_path):
    with pytest.raises(OSError):
        ingest_file(connection, tmp_path / "vanished.csv", "tickets")


def test_default_path_is_the_landing_folder_of_the_settings(settings: Settings, landing: Path):
    chat = {"chat_id": "1", "language": "nl"}
    write_csv(landing / "chats" / "chats.csv", [chat], ["chat_id", "language"])

    summary = ingest_path(settings=settings)

    assert summary.warehouse == settings.warehouse
    assert [(result.source, result.status) for result in summary.files] == [("chats", "loaded")]
