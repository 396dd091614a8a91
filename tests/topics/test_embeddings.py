"""Embeddings: normalised-text hashing, incremental runs, the real model, the int8 fast paths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml import embedding_backends
from ml.embedding_backends import (
    MIN_AGREEMENT,
    MODEL_NAME,
    TorchEncoder,
    check_agreement,
    choose_backend,
    cosine_agreement,
    load_encoder,
)
from ml.embeddings import (
    embed_tickets,
    ensure_embedding_tables,
    normalize_text,
    refresh_text_hashes,
    text_hash,
)
from supportlake.warehouse import open_warehouse
from tests.topics.ticket_fixtures import make_tickets, write_tickets


def test_normalisation_ignores_case_spacing_and_unicode_form():
    plain = normalize_text("Login failed", "I cannot sign in")
    assert plain == "login failed. i cannot sign in"
    assert normalize_text("  LOGIN   failed ", "I cannot\n\tsign in") == plain
    # "é" written as one code point or as e + combining accent is the same text.
    assert normalize_text("Caf\u00e9") == normalize_text("Cafe\u0301")
    assert normalize_text(None, "only a message") == "only a message"
    assert normalize_text(None, "   ") == ""


def test_identical_texts_share_one_hash_in_the_warehouse(settings):
    tickets = make_tickets(per_topic=2)
    twin = tickets.iloc[0].copy()
    twin["ticket_id"] = "T-TWIN"
    twin["subject"] = "  " + str(twin["subject"]).upper()
    twin["message"] = str(twin["message"]).replace(" ", "   ")
    write_tickets(settings, pd.concat([tickets, twin.to_frame().T], ignore_index=True))
    with open_warehouse(settings) as connection:
        ensure_embedding_tables(connection)
        assert refresh_text_hashes(connection) == len(tickets) + 1
        hashes = dict(
            connection.execute("select ticket_id, text_hash from ml.ticket_text_hashes").fetchall()
        )
    first = tickets.iloc[0]
    assert hashes["T-TWIN"] == hashes[first["ticket_id"]]
    # The warehouse's md5 and Python's agree, so the API can hash without the warehouse.
    assert hashes["T-TWIN"] == text_hash(normalize_text(first["subject"], first["message"]))


def test_rerun_embeds_only_new_texts(settings):
    tickets = make_tickets(per_topic=20)
    write_tickets(settings, tickets)
    with open_warehouse(settings) as connection:
        first = embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
        distinct = first.distinct_texts
        assert first.embedded_texts == distinct == first.scored_texts
        assert distinct < len(tickets)  # the fixture repeats texts on purpose

        again = embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
        assert (again.embedded_texts, again.scored_texts) == (0, 0)

    new = tickets.iloc[:2].copy()
    new["ticket_id"] = ["T-NEW-1", "T-NEW-2"]
    new.loc[new.index[0], "message"] = "The mobile app shows a blank screen after the update"
    write_tickets(settings, pd.concat([tickets, new], ignore_index=True))
    with open_warehouse(settings) as connection:
        third = embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
        rows = connection.execute(
            "select count(*), count(distinct text_hash) from ml.ticket_embeddings"
        ).fetchall()[0]
    assert third.embedded_texts == 1  # T-NEW-2 repeats an existing text
    assert third.tickets == len(tickets) + 2
    assert rows == (distinct + 1, distinct + 1)


def test_real_model_puts_similar_texts_closer_than_unrelated_ones():
    vectors = TorchEncoder(device="cpu").encode(
        [
            "I was charged twice for my subscription",
            "Please refund the duplicate payment on my card",
            "The desktop client crashes when syncing folders",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert similarity[0, 1] > similarity[1, 2] + 0.2


@pytest.mark.parametrize("backend", ["onnx-int8", "openvino-int8"])
def test_int8_backends_agree_with_the_plain_model(models_dir, backend):
    agreement = check_agreement(models_dir, backend)
    assert agreement["mean_cosine"] >= MIN_AGREEMENT
    assert agreement["min_cosine"] >= 0.98
    # And on texts the cached check never saw (openvino-int8 is calibrated on other tickets).
    texts = make_tickets(per_topic=4)["message"].tolist()
    reference = TorchEncoder(device="cpu").encode(texts)
    candidate = load_encoder(backend, models_dir).encode(texts)
    assert candidate.shape == reference.shape
    assert cosine_agreement(reference, candidate)["mean_cosine"] >= MIN_AGREEMENT


def test_auto_takes_the_fastest_backend_that_agrees(models_dir, monkeypatch):
    monkeypatch.setattr(embedding_backends, "gpu_available", lambda: False)
    choice = choose_backend(models_dir)
    assert choice.backend == "openvino-int8"
    assert "mean cosine" in choice.reason
    assert load_encoder("auto", models_dir).embedding_model == MODEL_NAME


def test_auto_moves_on_when_a_backend_cannot_be_built(tmp_path, monkeypatch):
    def check(models_dir, backend):
        if backend == "openvino-int8":
            raise RuntimeError("no OpenVINO wheel for this platform")
        return {"mean_cosine": 0.995, "min_cosine": 0.99}

    monkeypatch.setattr(embedding_backends, "gpu_available", lambda: False)
    monkeypatch.setattr(embedding_backends, "check_agreement", check)
    choice = choose_backend(tmp_path)
    assert choice.backend == "onnx-int8"


@pytest.mark.slow
def test_static_fast_mode_keeps_topics_apart(models_dir):
    encoder = load_encoder("static", models_dir)
    vectors = encoder.encode(
        [
            "I was charged twice for my subscription",
            "Please refund the duplicate payment on my card",
            "The desktop client crashes when syncing folders",
        ]
    )
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > similarity[0, 2]
    assert encoder.embedding_model != MODEL_NAME  # never mixed with full-model vectors
