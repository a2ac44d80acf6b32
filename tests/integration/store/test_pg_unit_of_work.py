"""What only the Postgres unit of work can show: broken connections are not papered over by re-running work,
a connection found broken before a unit starts is replaced, and rotated credentials are picked up."""

from __future__ import annotations

import psycopg
import pytest

from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWork
from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotKey, SnapshotSource
from codetracker.errors import SnapshotNotFound, StoreUnavailable
from codetracker.ports.snapshot_store import SnapshotToStore

KEY = SnapshotKey("acme", "main", "HEAD")
SOURCE = SnapshotSource(name="acme")
DESCRIPTOR = Descriptor("acme", (ExportedFunction("f", "a.js", "named", False, None, None, 0),))


def _terminate(conninfo: str, pid: int) -> None:
    with psycopg.connect(conninfo, autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", [pid]).fetchone() == (True,)


def test_a_connection_lost_inside_a_unit_fails_it_and_nothing_is_rerun(
    postgres_database: PostgresDatabase, migrated_database_url: str
) -> None:
    calls = []
    with pytest.raises(StoreUnavailable):
        with PostgresUnitOfWork(postgres_database) as uow:
            uow.snapshots.store_snapshot(SnapshotToStore(KEY, DESCRIPTOR, SOURCE))
            calls.append("stored")
            _terminate(migrated_database_url, postgres_database.connection().info.backend_pid)
            uow.commit()
    assert calls == ["stored"]  # the work ran once; the caller decides whether to retry the whole unit
    with PostgresUnitOfWork(postgres_database, read_only=True) as uow, pytest.raises(SnapshotNotFound):
        uow.snapshots.load_snapshot(KEY)


def test_a_connection_found_broken_before_a_unit_starts_is_replaced(
    postgres_database: PostgresDatabase, migrated_database_url: str
) -> None:
    old = postgres_database.connection().info.backend_pid
    _terminate(migrated_database_url, old)
    with PostgresUnitOfWork(postgres_database) as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(KEY, DESCRIPTOR, SOURCE))
        uow.commit()
    assert postgres_database.connection().info.backend_pid != old


def test_a_database_error_inside_a_unit_leaves_the_connection_usable(postgres_database: PostgresDatabase) -> None:
    with pytest.raises(StoreUnavailable), PostgresUnitOfWork(postgres_database) as uow:
        # A timeout, deadlock or serialization failure is an OperationalError: retryable, not fatal to the process.
        uow.snapshots.store_snapshot(SnapshotToStore(KEY, DESCRIPTOR, SOURCE))
        postgres_database.connection().execute("SET LOCAL statement_timeout = 1; SELECT pg_sleep(1)")
    with PostgresUnitOfWork(postgres_database) as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(KEY, DESCRIPTOR, SOURCE))
        uow.commit()


def test_rotated_credentials_are_read_again_after_a_failed_connection(migrated_database_url: str) -> None:
    from psycopg.conninfo import make_conninfo

    handed_out = [make_conninfo(migrated_database_url, dbname="no_such_database"), migrated_database_url]
    asked = []

    def from_secret_store() -> str:
        asked.append(True)
        return handed_out[min(len(asked), len(handed_out)) - 1]

    with PostgresDatabase(from_secret_store) as database:
        with PostgresUnitOfWork(database) as uow:
            uow.snapshots.store_snapshot(SnapshotToStore(KEY, DESCRIPTOR, SOURCE))
            uow.commit()
    assert len(asked) == 2


def test_credentials_are_not_resolved_before_the_first_unit() -> None:
    def fail() -> str:
        raise AssertionError("resolved too early")

    database = PostgresDatabase(fail)
    assert "not resolved" in repr(database)
    database.close()
