"""A real server prepares the recommendation indexes itself: at start and after each new
serving copy, in the background, before any request asks; /health says where that stands."""

from __future__ import annotations

import time

from supportlake.api import state
from tests.api.conftest import API_KEY, start_api
from tests.retrieval.conftest import publish, ticket_frame


def wait_for(running, wanted, seconds: float = 120.0) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        indexes = running.client.get("/health").json()["recommendations"]
        if wanted(indexes):
            return indexes
        time.sleep(0.1)
    raise AssertionError(f"the indexes never got there: {indexes}")


def test_indexes_are_ready_before_the_first_request_and_follow_new_copies(
    settings, encoder, monkeypatch
):
    monkeypatch.setattr(state, "HOUSEKEEPING_SECONDS", 0.1)
    publish(settings, ticket_frame(per_topic=4), encoder)
    running = start_api(settings.model_copy(update={"api_key": API_KEY}))
    try:
        first = wait_for(running, lambda indexes: indexes["state"] != "preparing")
        assert first["state"] == "ready", first
        before = int(first["detail"].split()[0])

        publish(settings, ticket_frame(per_topic=8), encoder)  # a later build's copy
        later = wait_for(
            running,
            lambda indexes: (
                indexes["state"] == "ready" and int(indexes["detail"].split()[0]) != before
            ),
        )
        assert int(later["detail"].split()[0]) > before, later
        answer = running.client.post(
            "/recommend-resolution",
            json={"text": "I was charged twice this month"},
            headers={"X-API-Key": API_KEY},
        )
        assert answer.status_code == 200 and answer.json()["confident"], answer.text
    finally:
        running.stop()


def test_without_a_serving_copy_health_says_so_and_the_setting_turns_it_off(settings):
    running = start_api(settings.model_copy(update={"api_key": API_KEY}))
    try:
        assert running.client.get("/health").json()["recommendations"] == {
            "state": "unavailable",
            "detail": "no serving copy yet",
        }
    finally:
        running.stop()
    off = start_api(settings.model_copy(update={"api_prepare_recommendations": False}))
    try:
        assert off.client.get("/health").json()["recommendations"]["state"] == "off"
    finally:
        off.stop()
