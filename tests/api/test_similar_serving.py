"""GET /similar-tickets: a key by default, masked text by default, read from the serving copy
(a real one, published from a warehouse whose tickets were embedded), never the writer's file."""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from supportlake.api.masking import mask_pii, pii_patterns
from supportlake.serving import publish_serving_copy
from supportlake.warehouse import open_warehouse
from tests.api.conftest import API_KEY, start_api

CONTACT = "Please refund me, mail jane.doe@example.com or call +31 6 1234 5678 about it."


@pytest.fixture
def served(api_settings):
    """A serving copy with embedded tickets, one of which holds an e-mail address and a phone
    number; the writer's file is then removed, so only the copy can answer."""
    from ml.embeddings import embed_tickets
    from tests.topics.ticket_fixtures import make_tickets, write_tickets

    tickets = make_tickets(per_topic=6)
    billing = tickets.index[(tickets["category"] == "Billing") & tickets["is_resolved"]][0]
    tickets.loc[billing, "message"] = CONTACT
    write_tickets(api_settings, tickets)
    with open_warehouse(api_settings) as connection:
        embed_tickets(connection, backend="auto", models_dir=api_settings.models_dir)
    publish_serving_copy(api_settings)
    api_settings.warehouse.unlink()
    return api_settings, tickets.loc[billing, "ticket_id"]


def _search(running, headers=None):
    return running.client.get(
        "/similar-tickets", params={"text": CONTACT, "k": 3}, headers=headers or {}
    )


def test_similar_tickets_need_a_key_and_return_masked_text_from_the_serving_copy(served):
    settings, ticket_id = served
    running = start_api(settings)
    try:
        anonymous = _search(running)
        keyed = _search(running, {"X-API-Key": API_KEY})
    finally:
        running.stop()

    assert anonymous.status_code == 401
    assert keyed.status_code == 200, keyed.text
    assert not settings.warehouse.exists(), "the search must not create the writer's file"
    [found] = [t for t in keyed.json()["tickets"] if t["ticket_id"] == ticket_id]
    assert found["message"] == "Please refund me, mail [email] or call [phone] about it."
    answered = json.dumps(keyed.json()["tickets"])
    assert "jane.doe" not in answered and "1234 5678" not in answered


def test_the_operator_can_open_similar_tickets_and_unmask_them(served):
    settings, ticket_id = served
    running = start_api(
        settings.model_copy(
            update={"api_similar_requires_key": False, "api_similar_mask_text": False}
        )
    )
    try:
        response = _search(running)
    finally:
        running.stop()

    assert response.status_code == 200, response.text
    [found] = [t for t in response.json()["tickets"] if t["ticket_id"] == ticket_id]
    assert found["message"] == CONTACT


@pytest.mark.parametrize(
    "text",
    [
        "write to a.b-c@mail.example.co.uk today",
        "ring 0032 2 123 45 67 or 06-12345678 or 020 123 4567 or 555-123-4567",
        "order 2024-06-01 id 123456 (no phone here)",
        "+44 (0)20 7946 0958, x@y.io",
    ],
)
def test_the_api_masks_like_the_chat_models_do(text):
    """Same patterns (dbt_project.yml vars), same result as DuckDB's regexp_replace, which the
    chat models' macro chat_mask_pii runs."""
    email, phone = (pattern.pattern for pattern in pii_patterns())
    in_duckdb = duckdb.sql(
        "select regexp_replace(regexp_replace($text, $email, '[email]', 'g'), "
        "$phone, '[phone]', 'g')",
        params={"text": text, "email": email, "phone": phone},
    ).fetchone()[0]

    assert mask_pii(text) == in_duckdb
    assert not re.search(r"@\w", mask_pii(text))
