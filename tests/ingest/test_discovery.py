"""Which files a run picks up, in which order and for which source."""

from __future__ import annotations

import pytest

from supportlake.ingest.discovery import IngestError, plan_ingest
from supportlake.mapping import MappingError


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "landing"
    for relative in [
        "tickets/2025/02.csv",
        "tickets/2025/01.parquet",
        "tickets/b.jsonl",
        "tickets/a.json",
        "tickets/.partial.csv",
        "tickets/_SUCCESS",
        "tickets/_mapping.yaml",
        "tickets/notes.xlsx",
        "chats/chats.csv",
        "invoices/x.csv",
    ]:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    return root


def test_landing_root_lists_source_folders_in_path_order(lake):
    plan = plan_ingest(lake)

    assert [(item.source, str(item.path.relative_to(lake))) for item in plan.files] == [
        ("chats", "chats/chats.csv"),
        ("tickets", "tickets/2025/01.parquet"),
        ("tickets", "tickets/2025/02.csv"),
        ("tickets", "tickets/a.json"),
        ("tickets", "tickets/b.jsonl"),
    ]
    assert sorted(str(path.relative_to(lake)) for path in plan.unsupported) == [
        "invoices",
        "tickets/notes.xlsx",
    ]


def test_a_source_folder_or_a_single_file_takes_its_source_from_the_folder(lake):
    assert {item.source for item in plan_ingest(lake / "tickets").files} == {"tickets"}
    (single,) = plan_ingest(lake / "chats" / "chats.csv").files
    assert single.source == "chats"


def test_source_option_overrides_the_folder_name(lake):
    (single,) = plan_ingest(lake / "invoices" / "x.csv", source="tickets").files
    assert single.source == "tickets"


@pytest.mark.parametrize(
    ("relative", "kwargs", "message"),
    [
        ("missing", {}, "does not exist"),
        ("invoices/x.csv", {}, "cannot tell which source"),
        ("tickets/notes.xlsx", {}, "unsupported file type"),
        ("tickets", {"source": "invoices"}, "unknown source 'invoices'"),
    ],
)
def test_arguments_that_cannot_work_are_refused_before_loading(lake, relative, kwargs, message):
    with pytest.raises(IngestError, match=message):
        plan_ingest(lake / relative, **kwargs)


def test_an_unknown_mapping_is_refused_before_loading(lake):
    with pytest.raises(MappingError):
        plan_ingest(lake, mapping="nope")
