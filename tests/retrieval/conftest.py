"""Retrieval tests: a tmp warehouse per test, one model cache and one real encoder per session."""

from __future__ import annotations

import pandas as pd
import pytest

from supportlake.settings import Settings
from tests.topics.ticket_fixtures import make_tickets, write_tickets


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> object:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder():
    """The real all-MiniLM-L6-v2 (plain sentence-transformers: no export to build first)."""
    from ml.embedding_backends import load_encoder

    return load_encoder("torch")


@pytest.fixture
def settings(tmp_path, models_dir) -> Settings:
    # the API encodes questions with the plain model, as the tests' encoder does (no export)
    return Settings.in_folder(tmp_path, models_dir=models_dir, api_embedding_backend="torch")


def ticket_frame(per_topic: int = 8) -> pd.DataFrame:
    tickets = make_tickets(per_topic=per_topic)
    tickets["queue"] = tickets["category"] + " desk"
    tickets["is_reopened"] = tickets["reopened_count"] > 0
    return tickets


def publish(settings: Settings, tickets: pd.DataFrame, encoder) -> None:
    """Write the tickets mart, embed it with the real model, publish the serving copy."""
    from ml.embeddings import embed_tickets
    from supportlake.serving import publish_serving_copy
    from supportlake.warehouse import open_warehouse

    write_tickets(settings, tickets)
    with open_warehouse(settings) as connection:
        embed_tickets(connection, encoder=encoder)
    publish_serving_copy(settings)


@pytest.fixture
def served(settings, encoder):
    """A serving copy of embedded tickets; the writer's file is removed so only the copy
    can answer."""
    tickets = ticket_frame()
    publish(settings, tickets, encoder)
    settings.warehouse.unlink()
    return settings, tickets


@pytest.fixture
def recommend_api(settings, encoder):
    """A real server answering /recommend-resolution from a serving copy of a few embedded
    tickets; the writer's file is removed so only the copy can answer."""
    from tests.api.conftest import API_KEY, start_api

    publish(settings, ticket_frame(per_topic=4), encoder)
    settings.warehouse.unlink()
    running = start_api(settings.model_copy(update={"api_key": API_KEY}))
    yield running, settings
    running.stop()
