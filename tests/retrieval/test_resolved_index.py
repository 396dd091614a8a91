"""The index over past resolved tickets, read from the serving copy only."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.resolved_index import NothingToSearch, build_resolved_index
from supportlake.assist import resolved_index
from supportlake.serving import ServingCopyMissing, open_serving, publish_serving_copy, serving_path
from tests.retrieval.conftest import publish, ticket_frame


def _answer(index, query, vector) -> list[tuple]:
    """Ids and ranks exactly, scores to six digits: a float32 dot product can differ in its
    last bit with the row its vector sits in (the BLAS kernel varies with the CPU)."""
    hits = index.search(query, vector, 5)
    return [(hit.doc_id, hit.bm25_rank, hit.dense_rank, round(hit.score, 6)) for hit in hits]


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


def test_a_new_copy_updates_the_index_reading_only_what_changed(settings, encoder, monkeypatch):
    """A later copy with one new resolved ticket, one reopened and one whose CSAT arrived:
    the cached index is updated in place, reads the rows of the changed tickets only, and
    answers exactly as an index built from scratch on the new copy."""
    tickets = ticket_frame(per_topic=4)
    publish(settings, tickets, encoder)
    first = resolved_index(settings, encoder.embedding_model)
    resolved = tickets[tickets["is_resolved"]]["ticket_id"].tolist()
    reopened, rated = resolved[0], resolved[1]

    later = tickets.copy()
    later.loc[later["ticket_id"] == reopened, "is_resolved"] = False
    later.loc[later["ticket_id"] == rated, "satisfaction_score"] = 1
    new = tickets.iloc[[0]].copy()
    new["ticket_id"], new["subject"] = "T-NEW-0001", "Printer queue jammed"
    new["message"] = "The office printer rejects jobs with code PRN-77"
    publish(settings, pd.concat([later, new], ignore_index=True), encoder)
    read = recorded_fetches(monkeypatch)
    second = resolved_index(settings, encoder.embedding_model)

    assert second.index is first.index  # updated, not built again
    assert read == [sorted(["T-NEW-0001", rated])]  # the rows of what changed, no others
    with open_serving(settings) as connection:
        fresh = build_resolved_index(
            connection, encoder.embedding_model, settings, serving_path(settings)
        )
    assert reopened not in second.tickets and set(second.tickets) == set(fresh.tickets)
    assert {t: second.tickets[t] for t in fresh.tickets} == dict(fresh.tickets.items())
    assert second.tickets[rated].satisfaction_score == 1
    assert second.fingerprints == fresh.fingerprints
    for query in ("printer PRN-77 jammed", "refund for a double charge", "cannot log in"):
        vector = encoder.encode([query])[0]
        assert _answer(second.index, query, vector) == _answer(fresh.index, query, vector)


def test_a_new_copy_that_changed_no_document_reads_no_rows(settings, encoder, monkeypatch):
    """A build that changed no resolved ticket (chats only) still publishes a new copy: the
    index is kept as it is, without reading any ticket's text or vector again."""
    tickets = ticket_frame(per_topic=4)
    publish(settings, tickets, encoder)
    first = resolved_index(settings, encoder.embedding_model)
    publish(settings, tickets, encoder)
    read = recorded_fetches(monkeypatch)
    second = resolved_index(settings, encoder.embedding_model)

    assert second is not first and second.index is first.index
    assert read == []
    assert second.fingerprints == first.fingerprints and len(second.index) == len(first.index)


def recorded_fetches(monkeypatch) -> list:
    """The `only` argument (ticket ids) of every read of resolved tickets from now on."""
    import ml.resolved_index as resolved_module

    read: list = []
    fetch = resolved_module._fetch
    monkeypatch.setattr(
        resolved_module,
        "_fetch",
        lambda *args, only=None: read.append(only) or fetch(*args, only=only),
    )
    return read
