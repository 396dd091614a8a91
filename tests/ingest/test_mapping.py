"""Column mappings: parsing, validation and placing file columns on source columns."""

from __future__ import annotations

import pytest

from supportlake.ingest.mapping import (
    MappingError,
    find_sidecar_mapping,
    load_mapping,
    packaged_mappings,
    parse_mapping,
    resolve_columns,
)
from supportlake.sources import CHATS, TICKETS


def test_names_that_differ_only_in_case_and_punctuation_need_no_mapping():
    plan = resolve_columns("x.csv", ["Ticket ID", "CATEGORY", " Notes "], TICKETS, None)

    assert plan.selected == {"ticket_id": "Ticket ID", "category": "CATEGORY"}
    assert plan.ignored == [" Notes "]


def test_mapping_wins_over_matching_names_and_null_drops_a_column():
    mapping = parse_mapping(
        "columns: {Body: message, subject: null, Summary: subject}", label="inline"
    ).for_source("tickets")

    plan = resolve_columns("x.csv", ["Body", "subject", "Summary"], TICKETS, mapping)

    assert plan.selected == {"message": "Body", "subject": "Summary"}
    assert plan.ignored == ["subject"]


def test_two_file_columns_on_one_source_column_is_an_error():
    with pytest.raises(MappingError, match="'ticket_id' and 'Ticket ID' both map onto"):
        resolve_columns("x.csv", ["ticket_id", "Ticket ID"], TICKETS, None)


def test_no_known_column_names_the_file_and_its_columns():
    with pytest.raises(MappingError) as raised:
        resolve_columns("odd.csv", ["a", "b"], TICKETS, None)

    assert "odd.csv has none of the tickets columns; its columns: 'a', 'b'" in str(raised.value)


def test_per_source_sections_and_source_restriction():
    mapping = parse_mapping(
        "source: tickets\ncolumns: {Id: ticket_id}\n"
        "sources:\n  chats:\n    columns: {Log: conversation_log}\n    delimiter: ';'\n",
        label="both",
    )

    assert mapping.for_source("tickets").columns == {"Id": "ticket_id"}
    assert mapping.for_source("chats").columns == {"Log": "conversation_log"}
    assert mapping.for_source("chats").delimiter == ";"
    assert mapping.for_source("tweets") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns: {Id: ticket_number}", "not a column of any source"),
        ("source: tickets\ncolumns: {Log: conversation_log}", "not a column of source tickets"),
        ("source: invoices", "unknown source 'invoices'"),
        ("colums: {Id: ticket_id}", "unknown key"),
        ("encoding: cp1252", "encoding 'cp1252' is not one of"),
        ("delimiter: '::'", "delimiter must be one character"),
        ("columns: [Id, ticket_id]", "`columns` must map"),
        ("columns: {a: [b", "not valid YAML"),
    ],
)
def test_invalid_mappings_are_rejected_with_the_reason(text, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(text, label="bad")


def test_a_mapping_target_outside_the_files_source_fails_that_file():
    mapping = parse_mapping("columns: {Id: ticket_id}", label="generic").for_source("chats")

    with pytest.raises(MappingError, match="not a column of chats"):
        resolve_columns("chats.csv", ["Id", "chat_id"], CHATS, mapping)


def test_packaged_mappings_load_by_name_and_unknown_names_list_them():
    assert {"zendesk", "it_service_topic"} <= set(packaged_mappings())
    assert load_mapping("it_service_topic").for_source("tickets").columns == {
        "Document": "message",
        "Topic_group": "category",
    }
    with pytest.raises(MappingError, match="packaged: .*zendesk"):
        load_mapping("no-such-mapping")


def test_sidecar_lookup_prefers_the_files_own_mapping(tmp_path):
    export = tmp_path / "export.csv"
    export.write_text("x\n")
    assert find_sidecar_mapping(export) is None

    (tmp_path / "_mapping.yaml").write_text("columns: {}\n")
    assert find_sidecar_mapping(export) == tmp_path / "_mapping.yaml"

    (tmp_path / "export.mapping.yaml").write_text("columns: {}\n")
    assert find_sidecar_mapping(export) == tmp_path / "export.mapping.yaml"

    (tmp_path / "export.csv.mapping.yaml").write_text("columns: {}\n")
    assert find_sidecar_mapping(export) == tmp_path / "export.csv.mapping.yaml"
