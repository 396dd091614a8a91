"""A tmp warehouse per test and one shared model cache per session."""

from __future__ import annotations

import pandas as pd
import pytest

from supportlake.settings import Settings
from tests.topics.ticket_fixtures import make_tickets


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory) -> object:
    """One model cache for the whole session: the ONNX export is built once (~10 s)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def settings(tmp_path, models_dir) -> Settings:
    return Settings.in_folder(tmp_path, models_dir=models_dir)


@pytest.fixture
def tickets() -> pd.DataFrame:
    return make_tickets()


@pytest.fixture
def embedded(settings, tickets) -> Settings:
    """A warehouse whose tickets are embedded with the auto backend (ONNX int8 on CPU)."""
    from ml.embeddings import embed_tickets
    from supportlake.warehouse import open_warehouse
    from tests.topics.ticket_fixtures import write_tickets

    write_tickets(settings, tickets)
    with open_warehouse(settings) as connection:
        embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
    return settings
