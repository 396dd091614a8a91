"""POST /recommend-resolution on a real server: the key, masked ticket text, the "no confident
answer" path and clear errors; answered from the serving copy only."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import API_KEY, start_api
from tests.retrieval.conftest import publish, ticket_frame

CONTACT = "Please refund me, mail jane.doe@example.com or call +31 6 1234 5678 about it."
KEY = {"X-API-Key": API_KEY}


@pytest.fixture
def api(settings, encoder):
    """A served warehouse (one billing ticket holds contact details), the writer's file
    removed, and the API on it; the plain model encodes queries (no export to build)."""
    tickets = ticket_frame(per_topic=6)
    billing = tickets.index[(tickets["category"] == "Billing") & tickets["is_resolved"]][0]
    tickets.loc[billing, "message"] = CONTACT
    publish(settings, tickets, encoder)
    settings.warehouse.unlink()
    running = start_api(settings.model_copy(update={"api_key": API_KEY}))
    yield running, settings, tickets.loc[billing, "ticket_id"]
    running.stop()


def post(running, body: dict, headers: dict | None = None):
    return running.client.post("/recommend-resolution", json=body, headers=headers or {})


def test_a_confident_answer_cites_its_evidence_with_contact_details_masked(api):
    running, settings, contact_ticket = api
    answer = post(running, {"text": CONTACT, "k": 5}, KEY)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["confident"] and body["confidence"] >= body["min_confidence"]
    ids = {ticket["ticket_id"] for ticket in body["tickets"]}
    assert contact_ticket in ids
    [found] = [t for t in body["tickets"] if t["ticket_id"] == contact_ticket]
    assert found["message"] == "Please refund me, mail [email] or call [phone] about it."
    evidence = json.dumps(body["tickets"])  # the caller's own text is echoed as sent
    assert "jane.doe" not in evidence and "1234 5678" not in evidence
    assert body["suggested_reply"]
    assert all(set(s["citations"]) <= ids for s in body["suggested_reply"])
    assert not settings.warehouse.exists(), "the answer must not create the writer's file"


def test_no_confident_answer_is_said_not_guessed(api):
    running, _, _ = api
    answer = post(running, {"text": "banana bread recipe with walnuts"}, KEY)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["confident"] is False
    assert body["tickets"] == [] and body["articles"] == [] and body["suggested_reply"] == []
    assert body["verdict"].startswith("no confident answer")


def test_key_and_bad_input_are_refused_clearly(api):
    running, _, _ = api
    assert post(running, {"text": "refund please"}).status_code == 401
    assert post(running, {"text": "refund please"}, {"X-API-Key": "wrong"}).status_code == 401
    empty = post(running, {"text": "   "}, KEY)
    assert empty.status_code == 422 and "the text is empty" in empty.text
    assert post(running, {"text": "x", "k": 0}, KEY).status_code == 422
    assert post(running, {"text": "x", "min_confidence": 2}, KEY).status_code == 422


def test_without_a_serving_copy_the_answer_is_503(settings):
    running = start_api(settings.model_copy(update={"api_key": API_KEY}))
    try:
        answer = post(running, {"text": "refund please"}, KEY)
    finally:
        running.stop()
    assert answer.status_code == 503
    assert "no serving copy" in answer.json()["detail"]
