"""Similar resolved tickets for a free text, from the stored embeddings."""

from __future__ import annotations

import pytest

from ml.similar import encode_query, search_similar
from supportlake.warehouse import open_warehouse


def find_similar_tickets(text, k=5, settings=None):
    """What `supportlake similar` runs: encode, then the warehouse read-only for the query."""
    vector, embedding_model = encode_query(text, "auto", settings.models_dir)
    with open_warehouse(settings, read_only=True) as connection:
        return search_similar(connection, vector, embedding_model, k)


def test_similar_tickets_finds_the_resolved_neighbours_of_a_billing_question(embedded, tickets):
    neighbours = find_similar_tickets("I got billed two times this month", k=5, settings=embedded)
    assert len(neighbours) == 5
    assert neighbours[0].category == "Billing"
    assert [n.similarity for n in neighbours] == sorted(
        (n.similarity for n in neighbours), reverse=True
    )
    resolved = set(tickets.loc[tickets["is_resolved"], "ticket_id"])
    assert {n.ticket_id for n in neighbours} <= resolved
    assert neighbours[0].status == "Resolved" and neighbours[0].resolution_minutes == 300.0


def test_each_neighbour_is_a_different_text(embedded):
    neighbours = find_similar_tickets("the sync client crashes", k=8, settings=embedded)
    texts = [(n.subject, n.message) for n in neighbours]
    assert len(set(texts)) == len(texts)
    assert neighbours[0].product_line == "Nimbus Drive"


def test_similar_tickets_rejects_an_empty_text(embedded):
    with pytest.raises(ValueError, match="empty"):
        find_similar_tickets("   ", settings=embedded)
