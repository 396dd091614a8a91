"""The generated help center and its citations through ingest, dbt build and topics: the
knowledge base agrees with the tickets, links reconcile, and the ticket graph answers "which
articles resolve most tickets of topic X" in SQL."""

from __future__ import annotations

import json

import pytest

from flows.runner import run_flow
from flows.topics import refresh_topics
from supportlake.generate.knowledge_base import build_articles, generate_knowledge_base
from supportlake.generate.tickets import generate_tickets
from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import WITHOUT_UNIT_TESTS, run_dbt
from supportlake.warehouse import open_warehouse
from tests.quality.conftest import environment_for

UNKNOWN_ARTICLE = "kb-retired-article"
# What the topics flow reads and what it leaves to `build`: the seeds, the ticket marts and the
# knowledge-base marts (reconciliations included) with everything upstream and the data tests
# among them (cautious: none that also reads a mart left out). The flow's own selection then
# builds the graph and anomaly marts; the chat, history and monitoring marts have nothing to
# check here (`make dbt-fixtures` builds everything).
BEFORE_TOPICS = [
    "--select",
    "+path:models/marts/tickets +path:models/marts/knowledge_base resource_type:seed",
    "--indirect-selection",
    "cautious",
]


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory):
    settings = Settings.in_folder(tmp_path_factory.mktemp("ticket_graph"))
    landing = settings.landing
    generate_tickets(landing / "tickets", rows=400, seed=3, workers=1)
    summary = generate_knowledge_base(
        landing / "tickets",
        landing / "knowledge_base",
        landing / "ticket_article_links",
        seed=3,
    )
    # What real exports also hold: a link to a retired article and one without an article.
    first = json.loads(summary.links_path.read_text().splitlines()[0])
    with summary.links_path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**first, "article_id": UNKNOWN_ARTICLE}) + "\n")
        handle.write(json.dumps({**first, "article_id": " "}) + "\n")
        handle.write(json.dumps(first) + "\n")  # the same link exported twice
    # Agents' verdicts: twelve answers marked not helpful, one of them exported twice.
    gap_tickets = [
        json.loads(line)["ticket_id"] for line in summary.links_path.read_text().splitlines()[:12]
    ]
    feedback = landing / "recommendation_feedback"
    feedback.mkdir(parents=True)
    rows = ["feedback_id,ticket_id,agent_id,given_at,verdict,evidence_id,confidence,was_confident"]
    rows += [
        f"fb-{n},{ticket},AGT-0001,2025-12-0{1 + n % 9}T10:00:00Z,Not helpful,,0.62,true"
        for n, ticket in enumerate(gap_tickets)
    ]
    rows += [rows[1], "fb-bad,,AGT-0001,2025-12-01T10:00:00Z,helpful,,0.9,true"]
    (feedback / "verdicts.csv").write_text("\n".join(rows) + "\n")
    # Logged answers that no agent judged: six questions without a ticket that found no
    # confident evidence, each placed by its nearest resolved ticket, and a confident answer.
    nearest = [
        json.loads(line)["ticket_id"] for line in summary.links_path.read_text().splitlines()[12:18]
    ]
    answers = [
        {
            "answer_id": f"ans-{n}",
            "asked_at": "2025-12-10T10:00:00Z",
            "channel": "api",
            "query_text": f"unanswered question {n}",
            "was_confident": False,
            "confidence": 0.31,
            "nearest_ticket_id": ticket,
        }
        for n, ticket in enumerate(nearest)
    ]
    answers.append({**answers[0], "answer_id": "ans-ok", "ticket_id": gap_tickets[0]})
    answers[-1].update(was_confident=True, confidence=0.8)
    (landing / "recommendation_answers").mkdir(parents=True)
    (landing / "recommendation_answers" / "answers.jsonl").write_text(
        "".join(json.dumps(answer) + "\n" for answer in answers)
    )
    with pytest.MonkeyPatch.context() as monkeypatch:
        environment_for(monkeypatch, settings)
        ingest_path(landing, settings)
        run_dbt(["build", *BEFORE_TOPICS, *WITHOUT_UNIT_TESTS], settings)
        # As `supportlake topics` runs it without a Prefect API: its functions, no server.
        run_flow("topics", lambda: refresh_topics, backend="torch", n_clusters=6)
    return settings, summary, first, (gap_tickets, nearest)


def query(settings: Settings, sql: str) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def test_every_resolved_ticket_problem_has_an_article(graph) -> None:
    _, summary, _, _ = graph
    assert summary.articles == len(build_articles()) > 200
    assert summary.tickets_without_article == 0
    assert 0.5 * summary.tickets_read < summary.links < summary.tickets_read


def test_links_reconcile_and_bad_links_are_flagged_not_lost(graph) -> None:
    settings, summary, first, _ = graph
    ((read, kept, invalid, repeated, reconciled),) = query(
        settings,
        "select rows_read, links_kept, invalid_rows, repeated_links, is_reconciled "
        "from marts.ticket_article_link_reconciliations",
    )
    assert (read, kept, invalid, repeated, reconciled) == (
        summary.links + 3,
        summary.links + 1,
        1,
        1,
        True,
    )
    assert query(
        settings,
        "select ticket_id, is_known_article, is_known_ticket from marts.ticket_article_links "
        f"where article_id = '{UNKNOWN_ARTICLE}'",
    ) == [(first["ticket_id"], False, True)]
    # The graph holds only edges between nodes the warehouse knows.
    assert query(
        settings,
        "select count(*) from marts.graph_edges where relation = 'cites_article'",
    ) == [(summary.links,)]


def test_graph_edges_cover_every_relation(graph) -> None:
    settings, _, _, _ = graph
    counts = dict(query(settings, "select relation, count(*) from marts.graph_edges group by 1"))
    tickets, resolved, with_customer = query(
        settings,
        "select count(*), count(*) filter (where is_resolved), "
        "count(customer_id) from marts.tickets",
    )[0]
    assert counts["about_product"] == tickets
    assert counts["resolved_by"] == resolved
    assert counts["opened"] == with_customer
    assert counts["in_topic"] == tickets  # topics were fitted on every ticket


def test_which_articles_resolve_most_tickets_of_a_topic(graph) -> None:
    settings, _, _, _ = graph
    # The question as a BI user writes it, over the edge table alone.
    by_sql = query(
        settings,
        """
        with topic as (
            select source_id as ticket_id, target_id as topic
            from marts.graph_edges where relation = 'in_topic'
        ),
        resolved as (
            select source_id as ticket_id from marts.graph_edges
            where relation = 'resolved_by'
        ),
        cited as (
            select source_id as ticket_id, target_id as article_id
            from marts.graph_edges where relation = 'cites_article'
        )
        select cast(topic.topic as integer) as cluster_id, cited.article_id,
            count(*) as tickets
        from topic
        inner join resolved using (ticket_id)
        inner join cited using (ticket_id)
        group by topic.topic, cited.article_id
        qualify row_number() over (
            partition by topic.topic order by count(*) desc, cited.article_id
        ) = 1
        order by cluster_id
        """,
    )
    by_mart = query(
        settings,
        "select cluster_id, article_id, tickets_resolved from marts.graph_topic_articles "
        "where rank_in_topic = 1 order by cluster_id",
    )
    assert by_sql == by_mart
    assert len(by_mart) == 6  # every topic has resolved tickets that cite articles
    # The top article of a topic is a real help-center article with a title.
    titles = query(
        settings,
        "select count(*) from marts.graph_topic_articles "
        "where rank_in_topic = 1 and article_title is not null and tickets_resolved >= 2",
    )
    assert titles == [(6,)]


def test_unanswered_questions_are_knowledge_gaps_per_topic(graph) -> None:
    settings, _, _, (gap_tickets, nearest) = graph
    assert query(
        settings,
        "select rows_read, invalid_rows, verdicts_kept, is_reconciled "
        "from marts.recommendation_feedback_reconciliations",
    ) == [(14, 1, 12, True)]
    assert query(
        settings,
        "select rows_read, answers_kept, is_reconciled "
        "from marts.recommendation_answer_reconciliations",
    ) == [(7, 7, True)]
    topics = dict(query(settings, "select ticket_id, cluster_id from marts.graph_ticket_topics"))
    # Agents' not-helpful verdicts count under their ticket's topic, unjudged answers without
    # confident evidence under their nearest resolved ticket's; the confident answer for an
    # already judged ticket changes nothing.
    per_topic: dict[str, list[str]] = {}
    for ticket in gap_tickets:
        per_topic.setdefault(str(topics[ticket]), []).append(ticket)
    for n, ticket in enumerate(nearest):
        per_topic.setdefault(str(topics[ticket]), []).append(f'"unanswered question {n}"')
    expected = {topic: sorted(gaps) for topic, gaps in per_topic.items() if len(gaps) >= 2}
    flagged = query(
        settings,
        "select series_value, ticket_count, explanation from marts.ticket_anomalies "
        "where anomaly_type = 'knowledge_gap' and series_type = 'cluster'",
    )
    assert {topic: count for topic, count, _ in flagged} == {
        topic: len(gaps) for topic, gaps in expected.items()
    }
    for topic, _, explanation in flagged:
        # the first example: a ticket when there is one, else the question's own words
        first = min(expected[topic], key=lambda example: (example.startswith('"'), example))
        assert first in explanation
    assert any('"unanswered question' in explanation for _, _, explanation in flagged)
