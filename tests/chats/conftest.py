"""Chat tests build real warehouses: the real ingest, then the real `dbt build` of the chat
models only (staging, threads, marts and their tests), in tmp folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from supportlake.ingest import ingest_path
from supportlake.settings import Settings
from supportlake.transform import run_dbt
from supportlake.warehouse import open_warehouse

LANDING_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "landing"
CHAT_MODELS = (
    "path:models/staging/chats path:models/staging/twitter "
    "path:models/intermediate/chats path:models/marts/chats"
)


def build_chat_warehouse(root: Path, landing: Path) -> Settings:
    """Ingest `landing` (one sub-folder per source) into a new warehouse under `root`, then
    `dbt build` the chat models. Fails the test when the ingest or dbt does."""
    settings = Settings.in_folder(root)
    summary = ingest_path(landing, settings=settings)
    failed = [f"{result.path.name}: {result.message}" for result in summary.with_status("failed")]
    assert not failed, f"the ingest failed on: {failed}"
    run_dbt(["build", "--select", CHAT_MODELS], settings)
    return settings


def query(settings: Settings, sql: str, parameters: list | None = None) -> list[tuple]:
    with open_warehouse(settings, read_only=True) as connection:
        return connection.execute(sql, parameters or []).fetchall()


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The hand-made messy chat export and twcs sample (tests/fixtures/landing)."""
    root = tmp_path_factory.mktemp("chat_fixtures")
    landing = root / "landing"
    for source in ("chats", "tweets"):
        shutil.copytree(LANDING_FIXTURES / source, landing / source)
    return build_chat_warehouse(root, landing)
