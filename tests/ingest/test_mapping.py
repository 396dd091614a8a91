"""Column mappings: parsing, validation and placing file columns on source columns."""

from __future__ import annotations

import pytest

from supportlake.mapping import (
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
        ("encoding: klingon", "encoding 'klingon' is not one of"),
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


# --- value tables -----------------------------------------------------------------------------


def test_value_tables_translate_ignoring_case_and_padding_and_say_what_they_do_not_know():
    mapping = parse_mapping(
        "source: tickets\nvalues:\n  status: {Solved: Resolved, Hold: Pending}\n"
        "  priority: {Normal: Medium, '-': null}\n  satisfaction_score: {Good: 5, Bad: 1}\n",
        label="inline",
    ).for_source("tickets")

    assert mapping.translate("status", "  SOLVED ") == ("Resolved", True)
    assert mapping.translate("priority", "-") == (None, True)  # no value, as the mapping says
    assert mapping.translate("satisfaction_score", "good") == ("5", True)
    assert mapping.translate("status", "Escalated") == ("Escalated", False)  # kept, counted
    assert mapping.translate("subject", "Solved") == ("Solved", True)  # no table: untouched


def test_a_list_column_takes_the_first_entry_in_the_tables_order():
    mapping = parse_mapping(
        "values:\n  category: {security: Security, billing: Billing}\n"
        "separators: {category: ' '}\n",
        label="tags",
    ).for_source("tickets")

    assert mapping.translate("category", "vip billing security") == ("Security", True)
    assert mapping.translate("category", '["Billing", "vip"]') == ("Billing", True)
    assert mapping.translate("category", "vip urgent") == ("vip urgent", False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("values: {status: {Solved: Done}}", "'Done', which is not one of Open, Pending"),
        ("values: {priority: {Normal: Normal}}", "not one of Urgent, High, Medium, Low"),
        ("values: {satisfaction_score: {Good: 10}}", "not one of 1, 2, 3, 4, 5"),
        ("values: {escalated: {Yes: 'true'}}", "quote yes/no/on/off"),
        ("values: {colour: {red: blue}}", "values.colour: no such source column"),
        ("values: {category: {a: b}}\nseparators: {queue: ','}", "separators.queue has no"),
        ("timestamp_format: dd/mm/yyyy", "timestamp_format must be a strptime format"),
    ],
)
def test_value_tables_that_would_produce_invalid_values_are_rejected(text, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(text, label="bad")


def test_several_file_columns_on_one_target_the_first_the_file_has_wins():
    mapping = parse_mapping(
        "columns: {Requester id: customer_id, Requester: customer_id}", label="fallback"
    ).for_source("tickets")

    with_ids = resolve_columns("a.csv", ["Requester", "Requester id"], TICKETS, mapping)
    names_only = resolve_columns("b.csv", ["Requester"], TICKETS, mapping)

    assert with_ids.selected == {"customer_id": "Requester id"}
    assert with_ids.ignored == ["Requester"]
    assert names_only.selected == {"customer_id": "Requester"}


def test_packaged_vendor_mappings_translate_their_own_vocabulary():
    expected = {
        "zendesk": {"status": ("Hold", "Pending"), "priority": ("Normal", "Medium")},
        "freshdesk": {"status": ("Waiting on Customer", "Pending"), "priority": ("4", "Urgent")},
        "jira_service_management": {"priority": ("Highest", "Urgent")},
        "it_service_topic": {"category": ("Administrative rights", "Security")},
    }
    assert set(expected) <= set(packaged_mappings())
    for name, cases in expected.items():
        section = load_mapping(name).for_source("tickets")
        for column, (file_value, ours) in cases.items():
            assert section.translate(column, file_value) == (ours, True), (name, column)


def test_an_untranslatable_value_is_loaded_as_written_counted_and_recorded(tmp_path):
    """Nothing silently becomes NULL: the value stays, the load's note warns with its count,
    and raw.value_translations keeps what each file value became."""
    from supportlake.ingest.loader import ingest_file
    from supportlake.settings import Settings
    from supportlake.warehouse import open_warehouse

    export = tmp_path / "export.csv"
    export.write_text("Id,Status\n1,Solved\n2,Escalated\n3,Escalated\n4,\n", encoding="utf-8")
    mapping = parse_mapping(
        "source: tickets\ncolumns: {Id: ticket_id, Status: status}\n"
        "values: {status: {Solved: Resolved}}\n",
        label="partial",
    )
    with open_warehouse(Settings.in_folder(tmp_path)) as connection:
        result = ingest_file(connection, export, "tickets", mapping)
        loaded = connection.execute("select ticket_id, status from raw.tickets order by 1")
        loaded = loaded.fetchall()
        recorded = connection.execute(
            "select file_value, loaded_value, is_translated, row_count "
            "from raw.value_translations order by file_value"
        ).fetchall()
        noted = connection.execute("select error from raw.load_manifest").fetchone()[0]

    assert loaded == [("1", "Resolved"), ("2", "Escalated"), ("3", "Escalated"), ("4", None)]
    assert recorded == [("Escalated", "Escalated", False, 2), ("Solved", "Resolved", True, 1)]
    assert "WARNING status: 2 values not in the mapping, loaded as written ('Escalated' x2)" in (
        result.message
    )
    assert noted == result.message


def test_a_file_without_ticket_ids_gets_ids_from_its_hash_and_line(tmp_path):
    from supportlake.ingest.loader import file_digest, ingest_file
    from supportlake.settings import Settings
    from supportlake.warehouse import open_warehouse

    export = tmp_path / "topics.csv"
    export.write_text("Document,Topic_group\nprinter jam,Hardware\nneed access,Access\n")
    sha256, _ = file_digest(export)
    with open_warehouse(Settings.in_folder(tmp_path)) as connection:
        result = ingest_file(connection, export, "tickets", load_mapping("it_service_topic"))
        rows = connection.execute(
            "select ticket_id, category from raw.tickets order by _row_number"
        ).fetchall()

    assert rows == [
        (f"tickets-{sha256[:12]}-2", "Technical"),
        (f"tickets-{sha256[:12]}-3", "Account"),
    ]
    assert "ticket_id: 2 ids generated" in result.message
