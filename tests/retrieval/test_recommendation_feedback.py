"""An agent's verdict on a real server's answer: /recommend-resolution gives an answer_id,
POST /recommendation-feedback lands a record that refers to it, and the next ingest and dbt
build turn it into marts.recommendation_feedback (a knowledge gap when not helpful)."""

from __future__ import annotations

from supportlake.ingest import ingest_path
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse
from tests.api.conftest import API_KEY

KEY = {"X-API-Key": API_KEY}


def test_a_verdict_on_an_answer_lands_as_the_feedback_source(recommend_api):
    running, settings = recommend_api
    first = running.client.post(
        "/recommend-resolution", json={"text": "I was charged twice this month"}, headers=KEY
    ).json()
    second = running.client.post(
        "/recommend-resolution", json={"text": "banana bread recipe"}, headers=KEY
    ).json()
    assert first["confident"] and not second["confident"]
    assert len(first["answer_id"]) == 32 and first["answer_id"] != second["answer_id"]

    verdicts = [
        {
            "answer_id": first["answer_id"],
            "ticket_id": "T-NEW-1",
            "verdict": "used",
            "agent_id": "agent-7",
            "evidence_id": first["tickets"][0]["ticket_id"],
            "confidence": first["confidence"],
            "was_confident": first["confident"],
        },
        {
            "answer_id": second["answer_id"],
            "ticket_id": "T-NEW-2",
            "verdict": "not_helpful",
            "confidence": second["confidence"],
            "was_confident": second["confident"],
        },
    ]
    for verdict in verdicts:
        answer = running.client.post("/recommendation-feedback", json=verdict, headers=KEY)
        assert answer.status_code == 202, answer.text
        assert answer.json()["answer_id"] == verdict["answer_id"]

    refused = running.client.post("/recommendation-feedback", json=verdicts[0])
    assert refused.status_code == 401
    bad = running.client.post(
        "/recommendation-feedback", json={**verdicts[0], "verdict": "meh"}, headers=KEY
    )
    assert bad.status_code == 422 and "verdict" in bad.text
    running.stop()  # closes the landing file, as a stopping server does

    landed = list((settings.landing / "recommendation_feedback").glob("*.jsonl"))
    assert len(landed) == 1
    ingest_path(settings.landing / "recommendation_feedback", settings)
    run_dbt(
        ["build", "--select", "stg_recommendation_feedback", "recommendation_feedback"], settings
    )
    with open_warehouse(settings, read_only=True) as connection:
        rows = connection.execute(
            "select answer_id, ticket_id, verdict, agent_id, evidence_id, was_confident, "
            "is_knowledge_gap from marts.recommendation_feedback order by ticket_id"
        ).fetchall()
    assert rows == [
        (
            first["answer_id"],
            "T-NEW-1",
            "used",
            "agent-7",
            first["tickets"][0]["ticket_id"],
            True,
            False,
        ),
        (second["answer_id"], "T-NEW-2", "not_helpful", None, None, False, True),
    ]
