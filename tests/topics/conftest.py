"""A tmp warehouse per test and one shared model cache per session."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from ml.embeddings import embed_tickets
from supportlake.settings import Settings
from supportlake.warehouse import open_warehouse
from tests.topics.ticket_fixtures import make_tickets, write_tickets


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


@pytest.fixture(scope="session")
def embedded_warehouse(tmp_path_factory, models_dir) -> Settings:
    """The fixture tickets embedded once per session with the auto backend (ONNX int8 on
    CPU); tests work on copies (`embedded`), so none sees another's clusters or labels."""
    settings = Settings.in_folder(tmp_path_factory.mktemp("embedded"), models_dir=models_dir)
    write_tickets(settings, make_tickets())
    with open_warehouse(settings) as connection:
        embed_tickets(connection, backend="auto", models_dir=settings.models_dir)
    return settings


@pytest.fixture
def embedded(settings, embedded_warehouse) -> Settings:
    """A warehouse of this test's own whose tickets (the `tickets` fixture's) are embedded."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(embedded_warehouse.warehouse, settings.warehouse)
    return settings
