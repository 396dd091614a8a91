"""The index over past resolved tickets, read from the serving copy only."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.resolved_index import NothingToSearch, build_resolved_index
from supportlake.assist import resolved_index
from supportlake.serving import ServingCopyMissing, open_serving, publish_serving_copy, serving_path
from tests.retrieval.conftest import publish, ticket_frame


def test_only_resolved_tickets_one_per_text_from_the_serving_copy(served, encoder):
    settings, tickets = served
    with open_serving(settings) as connection:
        built = build_resolved_index(
            connection, encoder.embedding_model, settings, serving_path(settings)
        )
    assert not settings.warehouse.exists(), "the writer's file must not be created"
    resolved = tickets[tickets["is_resolved"]]
    assert set(built.tickets) <= set(resolved["ticket_id"])
    distinct_texts = resolved.drop_duplicates(["subject", "message"])
    assert len(built.tickets) == len(built.index) == len(distinct_texts)
    assert sum(t.same_text_tickets for t in built.tickets.values()) == len(resolved)
    ticket = next(iter(built.tickets.values()))
    assert ticket.how_resolved().startswith(f"Resolved by the {ticket.queue} queue as ")


def test_cached_index_follows_a_newly_published_copy(settings, encoder):
    tickets = ticket_frame(per_topic=4)
    publish(settings, tickets, encoder)
    first = resolved_index(settings, encoder.embedding_model)
    assert resolved_index(settings, encoder.embedding_model) is first

    new = tickets.iloc[[0]].copy()
    new["ticket_id"] = "T-NEW-0001"
    new["subject"] = "Printer queue jammed"
    new["message"] = "The office printer rejects jobs with code PRN-77"
    publish(settings, pd.concat([tickets, new], ignore_index=True), encoder)
    second = resolved_index(settings, encoder.embedding_model)
    assert second is not first
    assert second.index.bm25("PRN-77")[0][0] == "T-NEW-0001"


def test_missing_copy_or_embeddings_is_said_plainly(settings, encoder):
    with pytest.raises(ServingCopyMissing, match="supportlake build"):
        resolved_index(settings, encoder.embedding_model)
    from tests.topics.ticket_fixtures import write_tickets

    write_tickets(settings, ticket_frame(per_topic=2))
    publish_serving_copy(settings)
    with pytest.raises(NothingToSearch, match="supportlake topics"):
        resolved_index(settings, encoder.embedding_model)
