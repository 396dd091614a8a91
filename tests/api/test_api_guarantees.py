"""Who may write into the lake and page people, what needs a key, what the lake keeps of a
caller's text, and how bad input is refused: over real HTTP, against a real uvicorn server."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.api.conftest import API_KEY, read_jsonl, start_api

URGENT = {
    "subject": "Production outage for ACME-SECRET-PROJECT",
    "message": "Production is down for all users, urgent! Fix immediately.",
    "channel": "Email",
}
BILLING = {"subject": "Invoice", "message": "I was charged twice on my invoice. No rush at all."}
KEYED = {"X-API-Key": API_KEY}


def _lake_text(api) -> str:
    """Everything the API wrote into the landing zone (closed files), as one string."""
    return "".join(path.read_text() for path in api.settings.landing.rglob("*.jsonl"))


def test_unauthenticated_urgent_predictions_neither_escalate_nor_page(api, webhook):
    batch = {"tickets": [URGENT] * 5}

    anonymous = api.client.post("/predict-tickets", json=batch)

    assert anonymous.status_code == 200, anonymous.text
    predictions = anonymous.json()["predictions"]
    assert [p["priority"]["label"] for p in predictions] == ["Urgent"] * 5
    assert not any(p["is_escalated"] for p in predictions)
    assert not webhook.event.wait(1.5), "an anonymous caller paged someone"

    keyed = api.client.post("/predict-tickets", json=batch, headers=KEYED)

    assert all(p["is_escalated"] for p in keyed.json()["predictions"])
    deadline = time.monotonic() + 10
    while len(webhook.received) < 5:
        assert time.monotonic() < deadline, f"{len(webhook.received)} of 5 pages sent"
        time.sleep(0.05)
    api.stop()
    escalations = read_jsonl(api.settings.landing / "escalations")
    assert len(escalations) == 5
    assert {e["prediction_id"] for e in escalations} == {
        p["prediction_id"] for p in keyed.json()["predictions"]
    }


def test_a_wrong_key_is_refused_not_ignored(api):
    response = api.client.post("/predict-ticket", json=URGENT, headers={"X-API-Key": "guess"})

    assert response.status_code == 401


def test_an_allowed_address_escalates_without_a_key(api_settings, webhook):
    running = start_api(api_settings.model_copy(update={"api_escalation_allow": ["127.0.0.1"]}))
    try:
        response = running.client.post("/predict-ticket", json=URGENT)
        assert response.json()["is_escalated"] is True
        assert webhook.event.wait(10)
    finally:
        running.stop()


def test_caller_text_reaches_the_lake_only_as_a_hash(api, webhook):
    response = api.client.post("/predict-ticket", json=URGENT, headers=KEYED)

    assert response.json()["is_escalated"] is True
    assert webhook.event.wait(10)
    assert webhook.received[0]["subject"] == URGENT["subject"], "the person paged sees it"
    api.stop()
    lake = _lake_text(api)
    assert "ACME-SECRET-PROJECT" not in lake and "Production is down" not in lake
    [escalation] = read_jsonl(api.settings.landing / "escalations")
    assert escalation["subject"] is None
    [logged] = read_jsonl(api.settings.landing / "prediction_log")
    assert len(logged["input_sha256"]) == 64


def test_the_operator_can_keep_escalation_subjects(api_settings, webhook):
    running = start_api(api_settings.model_copy(update={"api_store_text": True}))
    running.client.post("/predict-ticket", json=URGENT, headers=KEYED)
    running.stop()

    [escalation] = read_jsonl(api_settings.landing / "escalations")
    assert escalation["subject"] == URGENT["subject"]


@pytest.mark.parametrize(
    "ticket_id",
    [
        "1'; DROP TABLE marts.api_predictions; --",
        "../../etc/passwd",
        "tickets/2024/1",
        "T 1",
        "-leading-dash",
        "x" * 101,
    ],
)
def test_ticket_ids_outside_the_documented_pattern_are_refused(api, ticket_id):
    predicted = api.client.post("/predict-ticket", json={**BILLING, "ticket_id": ticket_id})
    corrected = api.client.post(
        "/feedback",
        json={"ticket_id": ticket_id, "corrected_category": "Billing"},
        headers=KEYED,
    )

    for response in (predicted, corrected):
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["field"] == "ticket_id" and "pattern" in error["msg"]
    api.stop()
    assert ticket_id not in _lake_text(api)


@pytest.mark.parametrize("ticket_id", ["T-9001", "INC0012345", "SUP-123", "zendesk:4711", "7"])
def test_ordinary_ticket_ids_are_accepted(api, ticket_id):
    response = api.client.post("/predict-ticket", json={**BILLING, "ticket_id": ticket_id})

    assert response.status_code == 200, response.text
    assert response.json()["ticket_id"] == ticket_id


def test_each_client_has_its_own_rate_limit(api_settings):
    running = start_api(api_settings.model_copy(update={"api_rate_limit": "3/minute"}))
    other = httpx.Client(
        base_url=running.base_url,
        transport=httpx.HTTPTransport(local_address="127.0.0.2"),
        timeout=30,
    )
    try:
        answers = [running.client.post("/predict-ticket", json=BILLING) for _ in range(4)]
        similar = running.client.get("/similar-tickets", params={"text": "x"}, headers=KEYED)

        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert 1 <= int(answers[-1].headers["retry-after"]) <= 60
        assert "3 per 1 minute" in answers[-1].json()["detail"]
        assert similar.status_code == 429
        assert running.client.get("/health").status_code == 200, "health is never limited"
        assert other.post("/predict-ticket", json=BILLING).status_code == 200
    finally:
        other.close()
        running.stop()


@pytest.mark.parametrize("created_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_dates_without_a_utc_time_get_a_422(api, created_at):
    response = api.client.post("/predict-ticket", json={**BILLING, "created_at": created_at})

    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == "created_at" and "outside the range" in error["msg"]


def test_one_bad_ticket_in_a_batch_is_rejected_alone_with_its_index(api):
    batch = [
        BILLING,
        {**BILLING, "created_at": "0001-01-01T00:00:00+14:00"},
        {**BILLING, "ticket_id": "T-2"},
        {"message": 42},
        {**BILLING, "ticket_id": "../x"},
    ]

    response = api.client.post("/predict-tickets", json={"tickets": batch})

    assert response.status_code == 200, response.text
    body = response.json()
    assert [p["index"] for p in body["predictions"]] == [0, 2]
    assert body["predictions"][1]["ticket_id"] == "T-2"
    assert [(r["index"], [e["field"] for e in r["errors"]]) for r in body["rejected"]] == [
        (1, ["created_at"]),
        (3, ["message"]),
        (4, ["ticket_id"]),
    ]
    api.stop()
    logged = read_jsonl(api.settings.landing / "prediction_log")
    assert sorted(record["status"] for record in logged) == ["ok"] * 2 + ["rejected"] * 3
    assert any(r["error"].startswith("tickets[1]: created_at") for r in logged if r["error"])


def test_a_batch_without_one_valid_ticket_is_a_422_naming_each(api):
    response = api.client.post(
        "/predict-tickets",
        json={"tickets": [{"message": ""}, {**BILLING, "created_at": "yesterday"}]},
    )

    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["detail"]]
    assert fields == ["tickets.0", "tickets.1.created_at"]
