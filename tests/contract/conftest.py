"""The unit-of-work contract runs against every implementation: Postgres (real, pgserver or DATABASE_URL)
and the in-memory fake beside it. `factories` gives two factories over the same storage, as two processes
(or two connections) would have."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(params=["postgres", "memory"])
def factories(request) -> Iterator[tuple]:
    if request.param == "memory":
        from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory

        shared = MemoryUnitOfWorkFactory()
        yield shared, shared
        return
    from codetracker.adapters.postgres.database import PostgresDatabase
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

    url = request.getfixturevalue("migrated_database_url")
    first, second = PostgresDatabase(url), PostgresDatabase(url)
    try:
        yield PostgresUnitOfWorkFactory(first), PostgresUnitOfWorkFactory(second)
    finally:
        first.close()
        second.close()


@pytest.fixture
def unit_of_work(factories):
    return factories[0]
