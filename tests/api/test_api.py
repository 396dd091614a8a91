"""The HTTP API over real HTTP: a uvicorn server on loopback, models from ml.training."""

from __future__ import annotations

import shutil
import time

import pytest

from ml import registry
from supportlake.api import state as state_module
from supportlake.sources import TICKET_CORRECTIONS
from tests.api.conftest import API_KEY, read_jsonl, start_api

URGENT = {
    "subject": "Production outage",
    "message": "Production is down for all users, urgent! Fix immediately.",
    "channel": "Email",
    "ticket_id": "T-9001",
}
BILLING = {"subject": "Invoice", "message": "I was charged twice on my invoice. No rush at all."}
KEYED = {"X-API-Key": API_KEY}  # escalations need an authenticated caller


def test_predict_ticket_answers_with_labels_confidences_and_reasons(api, trained_models, webhook):
    _, versions = trained_models

    response = api.client.post(
        "/predict-ticket", json=URGENT, headers={"X-Request-ID": "support-tool-42", **KEYED}
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "support-tool-42"
    body = response.json()
    assert body["ticket_id"] == "T-9001"
    priority, category = body["priority"], body["category"]
    assert priority["label"] == "Urgent"
    assert priority["model_version"] == versions["priority"]
    assert category["model_version"] == versions["category"]
    for prediction in (priority, category):
        assert sum(prediction["probabilities"].values()) == pytest.approx(1.0, abs=1e-5)
        assert prediction["confidence"] == max(prediction["probabilities"].values())
        assert prediction["reasons"] and all(r["weight"] > 0 for r in prediction["reasons"])
    for task, prediction in (("priority", priority), ("category", category)):
        # Routable exactly when the confidence clears the threshold measured on the holdout.
        metadata = registry.load_model(api.settings.models_dir, task, versions[task]).metadata
        threshold = metadata["routing"]["threshold"]
        assert threshold is not None, f"{task}: the test models must have a routing threshold"
        assert prediction["routable"] is (prediction["confidence"] >= threshold)
    reasons = " ".join(reason["feature"] for reason in priority["reasons"])
    assert "urgency" in reasons or "immediately" in reasons or "down" in reasons
    assert body["is_escalated"] is True
    assert webhook.event.wait(10), "the escalation webhook was not called"
    assert webhook.received[0]["prediction_id"] == body["prediction_id"]

    api.stop()
    landing = api.settings.landing
    [logged] = read_jsonl(landing / "prediction_log")
    assert logged["prediction_id"] == body["prediction_id"]
    assert logged["request_id"] == "support-tool-42"
    assert (logged["status"], logged["endpoint"]) == ("ok", "predict-ticket")
    assert logged["predicted_priority"] == "Urgent"
    assert len(logged["input_sha256"]) == 64
    assert logged["message_chars"] == len(URGENT["message"])
    raw = "".join(path.read_text() for path in (landing / "prediction_log").glob("*.jsonl"))
    assert "Production is down" not in raw, "the log must not store the ticket text"
    [escalation] = read_jsonl(landing / "escalations")
    assert escalation["prediction_id"] == body["prediction_id"]
    assert escalation["webhook_url"] == webhook.url
    assert not list(landing.rglob(".*.open")), "a stopped API leaves no open log behind"


def test_batch_keeps_order_and_enforces_the_batch_limit(api):
    response = api.client.post(
        "/predict-tickets", json={"tickets": [BILLING, URGENT, BILLING]}, headers=KEYED
    )

    assert response.status_code == 200, response.text
    predictions = response.json()["predictions"]
    assert [p["category"]["label"] for p in predictions] == ["Billing", "Technical", "Billing"]
    assert [p["is_escalated"] for p in predictions] == [False, True, False]
    assert len({p["prediction_id"] for p in predictions}) == 3

    too_many = api.client.post("/predict-tickets", json={"tickets": [BILLING] * 6})

    assert too_many.status_code == 422
    [error] = too_many.json()["detail"]
    assert error["field"] == "tickets"
    assert "at most 5" in error["msg"]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"subject": " ", "message": ""}, "", "nothing to classify"),
        ({"message": "x" * 2001}, "message", "at most 2000 characters"),
        ({"message": "help", "created_at": "yesterday"}, "created_at", "datetime"),
        ({"message": "help", "colour": "red"}, "colour", "Extra inputs are not permitted"),
        ({"message": 42}, "message", "valid string"),
        ([], "", "valid dictionary"),
    ],
)
def test_bad_tickets_get_a_422_naming_the_field(api, body, field, message):
    response = api.client.post("/predict-ticket", json=body)

    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert any(e["field"] == field and message in e["msg"] for e in errors), errors
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_malformed_and_oversized_bodies_never_take_the_server_down(api):
    broken = api.client.post(
        "/predict-ticket",
        content=b'{"message": "oops',
        headers={"content-type": "application/json"},
    )
    huge = api.client.post("/predict-tickets", content=b"x" * 300_000)

    assert broken.status_code == 422
    assert broken.json()["detail"][0]["type"] == "json_invalid"
    assert huge.status_code == 413
    assert "larger than" in huge.json()["detail"]
    assert api.client.post("/predict-ticket", json=BILLING).status_code == 200

    api.stop()
    statuses = [record["status"] for record in read_jsonl(api.settings.landing / "prediction_log")]
    assert sorted(statuses) == ["ok", "rejected"], "refusals are logged for the error rate"


def test_feedback_needs_the_key_and_lands_as_ticket_corrections(api):
    correction = {"ticket_id": "T-9001", "corrected_category": "billing", "corrected_by": "agent-7"}

    assert api.client.post("/feedback", json=correction).status_code == 401
    wrong = api.client.post("/feedback", json=correction, headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401
    unknown = api.client.post(
        "/feedback",
        json={**correction, "corrected_category": "Hardware"},
        headers={"X-API-Key": API_KEY},
    )
    assert unknown.status_code == 422
    assert "unknown category 'Hardware'" in unknown.json()["detail"][0]["msg"]
    empty = api.client.post("/feedback", json={"ticket_id": "T-1"}, headers={"X-API-Key": API_KEY})
    assert empty.status_code == 422

    accepted = api.client.post("/feedback", json=correction, headers={"X-API-Key": API_KEY})

    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["corrected_category"] == "Billing"
    api.stop()
    [path] = (api.settings.landing / "ticket_corrections").glob("*.jsonl")
    [record] = read_jsonl(path.parent)
    # Exactly the source's columns: the next ingest loads it, the corrections mart picks it up.
    assert tuple(record) == TICKET_CORRECTIONS.columns
    assert (record["ticket_id"], record["corrected_category"]) == ("T-9001", "Billing")
    assert (record["corrected_priority"], record["corrected_by"]) == (None, "agent-7")


def test_write_endpoints_refuse_when_no_key_is_configured(api_settings):
    running = start_api(api_settings.model_copy(update={"api_key": None}))
    try:
        response = running.client.post(
            "/feedback",
            json={"ticket_id": "T-1", "corrected_priority": "Low"},
            headers={"X-API-Key": "anything"},
        )
        assert response.status_code == 403
        assert "SUPPORTLAKE_API_KEY" in response.json()["detail"]
    finally:
        running.stop()


def test_health_metrics_and_offline_docs(api, trained_models):
    _, versions = trained_models
    api.client.post("/predict-ticket", json=URGENT, headers=KEYED)

    health = api.client.get("/health").json()
    metrics = api.client.get("/metrics").text
    docs = api.client.get("/docs")
    openapi = api.client.get("/openapi.json").json()

    assert health["status"] == "ok"
    assert {task: model["version"] for task, model in health["models"].items()} == versions
    assert all(model["compiled"] for model in health["models"].values()), health
    assert 'supportlake_predictions_total{predicted="Urgent",task="priority"} 1.0' in metrics
    assert 'supportlake_api_requests_total{method="POST",route="/predict-ticket",status="200"}' in (
        metrics
    )
    assert "supportlake_escalations_total 1.0" in metrics
    assert docs.status_code == 200 and "/static-offline-docs/swagger-ui-bundle.js" in docs.text
    assert api.client.get("/static-offline-docs/swagger-ui-bundle.js").status_code == 200
    assert {"/predict-ticket", "/predict-tickets", "/similar-tickets", "/feedback"} <= set(
        openapi["paths"]
    )


def test_similar_tickets_says_what_is_missing(api):
    params = {"text": "refund please", "k": 3}
    no_copy = api.client.get("/similar-tickets", params=params, headers=KEYED)
    bad_k = api.client.get("/similar-tickets", params={**params, "k": 0}, headers=KEYED)

    assert no_copy.status_code == 503
    assert "no serving copy" in no_copy.json()["detail"]
    assert "supportlake build" in no_copy.json()["detail"]
    assert bad_k.status_code == 422
    assert bad_k.json()["detail"][0]["field"] == "query.k"


def test_a_slow_webhook_never_delays_a_prediction(api, webhook):
    webhook.delay = 3.0  # the API gives up after 1 s

    started = time.perf_counter()
    response = api.client.post("/predict-ticket", json=URGENT, headers=KEYED)
    elapsed = time.perf_counter() - started

    assert response.status_code == 200 and response.json()["is_escalated"]
    assert elapsed < 2.5, f"the prediction waited for the webhook ({elapsed:.2f} s)"
    deadline = time.monotonic() + 10
    while (
        "supportlake_escalation_webhook_failures_total 1.0" not in api.client.get("/metrics").text
    ):
        assert time.monotonic() < deadline, "the timed-out webhook was not counted"
        time.sleep(0.2)


def test_a_newly_trained_model_is_served_without_a_restart(
    api_settings, trained_models, tmp_path, monkeypatch
):
    source, versions = trained_models
    models_dir = tmp_path / "models"
    shutil.copytree(source, models_dir)
    monkeypatch.setattr(state_module, "HOUSEKEEPING_SECONDS", 0.1)
    monkeypatch.setattr(state_module, "MODEL_POLL_SECONDS", 0.2)
    running = start_api(api_settings.model_copy(update={"models_dir": models_dir}))
    try:
        current = registry.load_model(models_dir, "category")
        new_version = versions["category"] + "-retrained"
        registry.save_model(
            models_dir, "category", new_version, current.load_pipeline(), current.metadata
        )
        registry.set_current(models_dir, "category", new_version)

        deadline = time.monotonic() + 20
        while running.client.get("/health").json()["models"]["category"]["version"] != (
            new_version
        ):
            assert time.monotonic() < deadline, "the new model was not picked up"
            time.sleep(0.1)
        predicted = running.client.post("/predict-ticket", json=BILLING).json()
        assert predicted["category"]["model_version"] == new_version
    finally:
        running.stop()
