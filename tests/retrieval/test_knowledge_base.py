"""Knowledge-base articles land like every source and are modeled in dbt: articles, chunks cut
at headings with lineage, a reconciliation per load, and the unusable ones said out loud."""

from __future__ import annotations

import pytest

from supportlake.assist import article_index, recommend_resolution
from supportlake.ingest.articles import ArticleProblem, parse_html, parse_markdown
from supportlake.ingest.loader import ingest_path
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse
from tests.retrieval.knowledge_base_fixtures import REFUNDS_MD, SYNC_HTML, write_knowledge_base

# The articles and what hangs off them, without the ticket citations: those also need the
# ticket marts, which this module's warehouse does not build.
KB_BUILD = [
    "build", "--select", "stg_knowledge_base__articles+", "--exclude", "ticket_article_links+",
]  # fmt: skip


def query(settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def knowledge_base(tmp_path_factory, encoder):
    """One ingest + build for the module (dbt's full parse alone takes most of a minute), over
    a warehouse that also holds embedded resolved tickets, so the serving copy has both."""
    from ml.embeddings import embed_tickets
    from supportlake.settings import Settings
    from tests.retrieval.conftest import ticket_frame
    from tests.topics.ticket_fixtures import write_tickets

    settings = Settings.in_folder(tmp_path_factory.mktemp("knowledge_base"))
    write_tickets(settings, ticket_frame(per_topic=4))
    with open_warehouse(settings) as connection:
        embed_tickets(connection, encoder=encoder)
    write_knowledge_base(settings.landing)
    summary = ingest_path(settings.landing, settings)
    run_dbt(KB_BUILD, settings)
    return settings, summary


def test_markdown_front_matter_and_html_meta_become_article_fields():
    markdown = parse_markdown(REFUNDS_MD, "refunds")
    assert markdown["article_id"] == "refunds" and markdown["product"] == "Ledgerly"
    assert markdown["tags"] == "billing, refund"
    assert markdown["body"].startswith("When a customer was charged twice")
    html = parse_html(SYNC_HTML, "sync")
    assert (html["article_id"], html["title"]) == ("kb-sync", "Fix a stuck desktop sync")
    assert html["body"].splitlines() == [
        "Large uploads can stall the sync client.",
        "## Restart the client",
        "Quit Nimbus Drive from the tray and start it again.",
        "## Error E4012",
        "E4012 means the shared folder was moved; ask the owner to share it again.",
    ]
    with pytest.raises(ArticleProblem, match="no title"):
        parse_markdown("no heading here", "x")
    with pytest.raises(ArticleProblem, match="front matter is not valid YAML"):
        parse_markdown("---\ntitle: [unclosed\n---\nbody", "x")


def test_articles_land_with_manifest_quarantine_and_reconciliation(knowledge_base):
    settings, summary = knowledge_base
    by_file = {result.path.name: result for result in summary.files}
    assert {name: result.status for name, result in by_file.items()} == {
        "export.json": "loaded",
        "notes.md": "loaded",
        "refunds.md": "loaded",
        "sync.html": "loaded",
    }
    assert (by_file["notes.md"].rows_loaded, by_file["notes.md"].rows_quarantined) == (0, 1)
    [(reason,)] = query(
        settings, "select reason from raw.quarantine where source = 'knowledge_base'"
    )
    assert reason.startswith("no title")

    articles = query(
        settings,
        "select article_id, title, product, tags from marts.knowledge_base_articles "
        "order by article_id",
    )
    assert articles == [
        (
            "kb-password",
            "Reset a password when the email never arrives",
            "Helix CRM",
            ["account", "login"],
        ),
        ("kb-sync", "Fix a stuck desktop sync", "Nimbus Drive", ["sync", "desktop"]),
        ("refunds", "Refund a duplicate charge", "Ledgerly", ["billing", "refund"]),
    ]
    reconciled = query(
        settings,
        "select source_file, rows_read, rows_quarantined, invalid_rows, current_articles, "
        "is_reconciled from marts.knowledge_base_load_reconciliations order by source_file",
    )
    assert [(r[0].rsplit("/", 1)[1], *r[1:]) for r in reconciled] == [
        ("export.json", 2, 0, 1, 1, True),  # the draft with an empty body is invalid, kept
        ("notes.md", 1, 1, 0, 0, True),
        ("refunds.md", 1, 0, 0, 1, True),
        ("sync.html", 1, 0, 0, 1, True),
    ]


def test_chunks_follow_headings_and_lead_back_to_article_and_file(knowledge_base):
    settings, _ = knowledge_base
    chunks = query(
        settings,
        "select chunk_id, heading, chunk_text, article_title, _source_file "
        "from marts.knowledge_base_chunks where article_id = 'refunds' order by chunk_number",
    )
    assert [(c[0], c[1]) for c in chunks] == [
        ("refunds#0", "Refund a duplicate charge"),
        ("refunds#1", "Check the invoice"),
        ("refunds#2", "Refund the duplicate"),
    ]
    assert chunks[2][2] == (
        "Select the newer payment and click Refund. The money is back on the card within "
        "5 days.\nTell the customer the refund id shown on screen."
    )
    assert {c[3] for c in chunks} == {"Refund a duplicate charge"}
    assert all(c[4].endswith("knowledge_base/refunds.md") for c in chunks)


def test_recommend_quotes_the_article_section_with_the_error_code(knowledge_base):
    settings, _ = knowledge_base
    answer = recommend_resolution(
        "Desktop sync stopped, it shows error E4012", settings, backend="torch"
    )
    assert answer.confident
    best = answer.articles[0]
    assert (best.chunk.chunk_id, best.chunk.heading) == ("kb-sync#2", "Error E4012")
    assert best.bm25_rank == 1
    assert answer.reply[0].render() == (
        "E4012 means the shared folder was moved; ask the owner to share it again. [kb-sync#2]"
    )
    assert answer.tickets and answer.tickets[0].ticket.category == "Technical"
    evidence = {a.citation for a in answer.articles} | {t.citation for t in answer.tickets}
    assert all(set(sentence.citations) <= evidence for sentence in answer.reply)


def test_cli_shows_the_section_and_its_citation(knowledge_base, monkeypatch):
    from typer.testing import CliRunner

    from supportlake.cli import app
    from tests.quality.conftest import environment_for

    settings, _ = knowledge_base
    environment_for(monkeypatch, settings)
    result = CliRunner().invoke(
        app, ["recommend", "Desktop sync stopped, it shows error E4012", "--backend", "torch"]
    )
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "kb-sync#2 │ Fix a stuck desktop sync │ Error E4012" in output
    assert "ask the owner to share it again. [kb-sync#2]" in output


def test_a_newer_version_of_an_article_replaces_the_older(knowledge_base, encoder):
    settings, _ = knowledge_base
    first = article_index(settings, encoder)
    newer = REFUNDS_MD.replace("2025-03-01 10:00:00", "2025-04-01 10:00:00").replace(
        "within 5 days", "within 3 days"
    )
    (settings.landing / "knowledge_base" / "refunds_v2.md").write_text(
        newer.replace("url:", "article_id: refunds\nurl:")
    )
    ingest_path(settings.landing, settings)
    run_dbt(KB_BUILD, settings)
    [(version_count, body)] = query(
        settings,
        "select version_count, body from marts.knowledge_base_articles "
        "where article_id = 'refunds'",
    )
    assert version_count == 2 and "within 3 days" in body
    assert query(
        settings,
        "select sum(superseded_versions) from marts.knowledge_base_load_reconciliations",
    ) == [(1,)]
    # The new serving copy gets a new index; only the one changed section is encoded again.
    second = article_index(settings, encoder)
    assert second is not first and second.encoded_now == 1
    assert "within 3 days" in second.chunks["refunds#2"].chunk_text


def test_markdown_among_other_sources_is_left_alone(tmp_path):
    from supportlake.ingest.discovery import plan_ingest

    (tmp_path / "tickets").mkdir()
    (tmp_path / "tickets" / "README.md").write_text("# About these exports\nfrom Zendesk\n")
    write_knowledge_base(tmp_path)
    plan = plan_ingest(tmp_path)
    assert [f.path.name for f in plan.files if f.path.suffix in (".md", ".html")] == [
        "notes.md",
        "refunds.md",
        "sync.html",
    ]
    assert {f.source for f in plan.files} == {"knowledge_base"}
    assert [p.name for p in plan.unsupported] == ["README.md"]
