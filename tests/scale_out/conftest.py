"""A real PostgreSQL for DuckLake catalogs (`make postgres` starts it; so does this fixture),
one fresh database per catalog; the tests skip, saying why, when it cannot start."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from supportlake import local_postgres


@pytest.fixture(scope="module")
def new_postgres_catalog() -> Iterator[Callable[[], str]]:
    """Returns SUPPORTLAKE_CATALOG values, each an empty database in the local server."""
    try:
        local_postgres.ensure_running()
    except (local_postgres.PostgresUnavailable, OSError) as error:
        pytest.skip(f"PostgreSQL cannot start here ({error}); run `make postgres`")
    created: list[str] = []

    def new_catalog() -> str:
        database = f"test_{uuid.uuid4().hex[:12]}"
        local_postgres.create_database(database)
        created.append(database)
        return local_postgres.catalog_setting(database)

    yield new_catalog
    for database in created:
        local_postgres.drop_database(database)
