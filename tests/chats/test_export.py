"""`supportlake export chats`: the two contract files, read back with Python's csv module."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from supportlake.cli import app
from supportlake.export.chats import ChatExportError, cell_expression, export_chats
from supportlake.raw_schema import ensure_raw_schema
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse
from tests.chats.conftest import query

CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "chat_export_contract.md"
# The header lines of the contract, copied by hand: the test does not trust the code.
CHATS_HEADER = (
    "locations,first name,user bypass messages limit,name,read only token,phone number,pois,"
    "is test chat,clientId,organizationConfigId,email,suborganization,provinces,"
    "starting domain,section type,is reviewed,limit messages case,sentiment,slug,"
    "is chat classified,ontraport update time,trip type,most relevant trip name,countries,"
    "chatId,email types,newsletter subscription time,language,last name,"
    "idle message sent time,resolution,token,subscription idle message sent time,"
    "is default chat,ontraport note id,actions,has email,most relevant brand name,created at,"
    "organizationId,recommendations cta url,updated at,idle email sent time,"
    "humanloop session id,defaultMessageId,is structured info extracted,cities"
)
MESSAGES_HEADER = (
    "locations,messageSuborganization,user bypass messages limit,current brands,"
    "read only token,pois,is test chat,clientId,organizationConfigId,email,suborganization,"
    "provinces,role,starting domain,is reviewed,limit messages case,sentiment,intentType,slug,"
    "is chat classified,ontraport update time,trip type,regions,countries,chatId,"
    "newsletter subscription time,conversationLogType,language,idle message sent time,"
    "resolution,sk messageId,token,subscription idle message sent time,is default chat,"
    "messageId,categories,content,ontraport note id,created at,organizationId,updated at,"
    "idle email sent time,humanloop session id,defaultMessageId,is structured info extracted,"
    "themes,cities"
)
CHATS_ARRAYS = [
    "locations", "pois", "provinces", "section type", "trip type", "countries",
    "email types", "actions", "cities",
]  # fmt: skip
MESSAGES_ARRAYS = [
    "locations", "pois", "provinces", "trip type", "regions", "countries", "categories",
    "themes", "cities",
]  # fmt: skip


def read_csv(path: Path) -> tuple[bytes, list[dict[str, str]]]:
    first_line = path.read_bytes().split(b"\n", 1)[0]
    with path.open(newline="", encoding="utf-8") as handle:
        return first_line, list(csv.DictReader(handle))


def check_contract_files(out: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Headers byte for byte, 47 cells a row, every array cell a JSON array. Shared with the
    real-data test."""
    chats_header, chats = read_csv(out / "chats.csv")
    messages_header, messages = read_csv(out / "messages.csv")
    assert chats_header == CHATS_HEADER.encode()
    assert messages_header == MESSAGES_HEADER.encode()
    for rows, arrays in ((chats, CHATS_ARRAYS), (messages, MESSAGES_ARRAYS)):
        for row in rows:
            assert len(row) == 47 and None not in row
            for column in arrays:
                assert isinstance(json.loads(row[column]), list), (column, row[column])
    return chats, messages


@pytest.fixture(scope="module")
def exported(fixture_warehouse: Settings, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("export")
    result = export_chats(out, fixture_warehouse)
    return result, out


def test_headers_are_the_contracts_byte_for_byte(exported):
    _, out = exported
    check_contract_files(out)
    # The repository's contract document shows the same header lines.
    text = CONTRACT.read_text(encoding="utf-8")
    assert f"\n{CHATS_HEADER}\n" in text and f"\n{MESSAGES_HEADER}\n" in text


def test_every_row_of_the_marts_is_written(exported, fixture_warehouse):
    result, out = exported
    chats, messages = check_contract_files(out)
    ((chat_rows, message_rows),) = query(
        fixture_warehouse, "select (select count(*) from marts.chats), count(*) from marts.messages"
    )
    assert len(chats) == chat_rows == result.rows["chats.csv"] == 13
    assert len(messages) == message_rows == result.rows["messages.csv"]
    # messages come chat by chat, each chat's in log order
    keys = [row["sk messageId"] for row in messages]
    assert keys == sorted(keys)


def test_the_contract_marts_are_written_once_as_csv_not_stored(fixture_warehouse):
    """chats and messages are views: no 47-column table, no parquet copy; the marts they
    read are still tables with their parquet files."""
    kinds = dict(
        query(
            fixture_warehouse,
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'marts' and table_name in "
            "('chats', 'messages', 'chat_sessions', 'chat_messages_enriched')",
        )
    )
    assert kinds == {
        "chats": "VIEW",
        "messages": "VIEW",
        "chat_sessions": "BASE TABLE",
        "chat_messages_enriched": "BASE TABLE",
    }
    parquet = fixture_warehouse.exports / "marts"
    assert (parquet / "chat_sessions.parquet").is_file()
    assert not (parquet / "chats.parquet").exists()
    assert not (parquet / "messages.parquet").exists()


def test_array_cells_are_json_and_empty_arrays_are_brackets(exported):
    _, out = exported
    chats, _ = check_contract_files(out)
    by_id = {row["chatId"]: row for row in chats}
    assert json.loads(by_id["9100002"]["countries"]) == ["Spain"]
    assert by_id["9100001"]["countries"] == "[]"
    raw = (out / "chats.csv").read_text(encoding="utf-8")
    # a non-empty array is JSON inside CSV quoting, as the contract shows
    assert '"[""get_in_touch"",""show_offers""]"' in raw


def test_values_that_a_spreadsheet_would_run_are_neutralised(exported):
    _, out = exported
    _, messages = check_contract_files(out)
    contents = [row["content"] for row in messages if row["chatId"] == "9100011"]
    assert contents == [
        '\'=HYPERLINK("http://example.com/x","klik")',
        "'-10% korting nog geldig?",
        "'@Vera hallo?",
        "-5",
        "[phone] is ons nummer",
    ]
    risky = [
        (column, value)
        for row in messages
        for column, value in row.items()
        if value[:1] in {"=", "+", "-", "@"} and not value.lstrip("+-").isdigit()
    ]
    assert risky == []


def test_timestamps_and_booleans_are_written_plainly(exported):
    _, out = exported
    chats, _ = check_contract_files(out)
    row = next(row for row in chats if row["chatId"] == "9100001")
    assert row["created at"] == "2025-05-28T12:55:10.546493"
    assert (row["is default chat"], row["has email"], row["is test chat"]) == (
        "true",
        "false",
        "false",
    )
    assert row["clientId"] == "" and row["ontraport update time"] == ""


def test_export_reads_the_warehouse_without_changing_it(fixture_warehouse, tmp_path):
    before = hashlib.sha256(Path(fixture_warehouse.warehouse).read_bytes()).hexdigest()
    result = CliRunner().invoke(
        app,
        ["export", "chats", "--out", str(tmp_path)],
        env={
            "SUPPORTLAKE_WAREHOUSE": str(fixture_warehouse.warehouse),
            "SUPPORTLAKE_LAKE": str(fixture_warehouse.lake),
        },
    )
    assert result.exit_code == 0, result.output
    assert "chats.csv (13 rows)" in result.output and str(tmp_path) in result.output
    after = hashlib.sha256(Path(fixture_warehouse.warehouse).read_bytes()).hexdigest()
    assert before == after
    assert sorted(path.name for path in tmp_path.iterdir()) == ["chats.csv", "messages.csv"]


def test_export_without_marts_says_what_to_run(tmp_path):
    settings = Settings(warehouse=tmp_path / "warehouse.duckdb", lake=tmp_path / "lake")
    with open_warehouse(settings) as connection:
        ensure_raw_schema(connection)
    with pytest.raises(ChatExportError, match="supportlake build"):
        export_chats(tmp_path / "out", settings)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+31 6 12345678", "'+31 6 12345678"),
        ("-10% korting", "'-10% korting"),
        ("@Vera", "'@Vera"),
        ("\tx", "'\tx"),
        ("-5", "-5"),
        ("+31", "+31"),
        ("3.5", "3.5"),
        ("Hallo = hi", "Hallo = hi"),
        (None, None),
    ],
)
def test_text_cells_starting_like_a_formula_get_a_quote(value, cell):
    expression = cell_expression("content", "VARCHAR", is_array=False)
    connection = duckdb.connect()
    (result,) = connection.execute(
        f"select {expression} from (select ?::varchar as content)", [value]
    ).fetchone()
    assert result == cell


def test_array_cells_default_to_brackets_and_timestamps_to_iso():
    connection = duckdb.connect()
    array = cell_expression("cities", "JSON", is_array=True)
    stamp = cell_expression("created at", "TIMESTAMP", is_array=False)
    row = connection.execute(
        f"""select {array}, {stamp} from (select null::json as cities,
            timestamp '2017-10-31 22:10:47' as "created at")"""
    ).fetchone()
    assert row == ("[]", "2017-10-31T22:10:47.000000")
