"""A unit of work on Postgres: one transaction on the database's one connection, giving the snapshot store,
the blob cache and the service tables (apps, registrations, jobs, activities, webhook deliveries, retention, outbox)
on that transaction.

It rolls back unless committed. It never re-runs work: when the database fails inside the unit (a lost
connection, a deadlock, a serialization failure) it raises StoreUnavailable, discards a broken connection,
and leaves the retry of the whole unit to the caller or the queue. Only a connection found broken before the
unit ran anything is replaced silently (nothing is lost or repeated by that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from codetracker.adapters.postgres.activities import PostgresActivityStore
from codetracker.adapters.postgres.blob_cache import PostgresBlobCache
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.jobs import PostgresJobStore
from codetracker.adapters.postgres.outbox import PostgresOutboxStore
from codetracker.adapters.postgres.registry import PostgresAppStore, PostgresRegistrationStore
from codetracker.adapters.postgres.retention import PostgresRetentionStore
from codetracker.adapters.postgres.snapshots import PostgresSnapshotStore
from codetracker.adapters.postgres.webhook_deliveries import PostgresWebhookDeliveryStore
from codetracker.errors import StoreUnavailable

if TYPE_CHECKING:
    import psycopg

_BEGIN = "BEGIN"
_BEGIN_READ_ONLY = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"


class PostgresUnitOfWork:
    snapshots: PostgresSnapshotStore
    blob_cache: PostgresBlobCache
    apps: PostgresAppStore
    registrations: PostgresRegistrationStore
    jobs: PostgresJobStore
    activities: PostgresActivityStore
    webhook_deliveries: PostgresWebhookDeliveryStore
    retention: PostgresRetentionStore
    outbox: PostgresOutboxStore

    def __init__(self, database: PostgresDatabase, *, read_only: bool = False) -> None:
        self._database = database
        self._read_only = read_only
        self._connection: psycopg.Connection | None = None

    def __enter__(self) -> Self:
        import psycopg

        self._database.lock.acquire()
        try:
            for attempt in (1, 2):
                conn = self._database.connection()
                try:
                    conn.execute(_BEGIN_READ_ONLY if self._read_only else _BEGIN)
                    break
                except psycopg.OperationalError as err:
                    self._database.discard()
                    if attempt == 2 or not (conn.broken or conn.closed):
                        raise StoreUnavailable(
                            f"Postgres failed ({type(err).__name__}): {self._database.describe_error(err)}"
                        ) from err
        except BaseException:
            self._database.lock.release()
            raise
        self._connection = conn
        self.snapshots = PostgresSnapshotStore(conn)
        self.blob_cache = PostgresBlobCache(conn)
        self.apps = PostgresAppStore(conn)
        self.registrations = PostgresRegistrationStore(conn)
        self.jobs = PostgresJobStore(conn)
        self.activities = PostgresActivityStore(conn)
        self.webhook_deliveries = PostgresWebhookDeliveryStore(conn)
        self.retention = PostgresRetentionStore(conn)
        self.outbox = PostgresOutboxStore(conn)
        return self

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, statement: str) -> None:
        import psycopg

        conn = self._connection
        if conn is None:
            return
        self._connection = None
        try:
            conn.execute(statement)
        except psycopg.OperationalError as err:
            self._database.discard()
            raise StoreUnavailable(
                f"Postgres failed ({type(err).__name__}): {self._database.describe_error(err)}"
            ) from err

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        import psycopg

        try:
            if self._connection is not None:
                conn = self._connection
                if conn.broken or conn.closed:
                    self._connection = None
                    self._database.discard()
                else:
                    try:
                        self.rollback()
                    except StoreUnavailable:
                        if exc is None:
                            raise
                        # The unit's own failure is what the caller must see, not the rollback's.
        finally:
            self._database.lock.release()
        if isinstance(exc, psycopg.OperationalError):
            raise StoreUnavailable(
                f"Postgres failed ({type(exc).__name__}): {self._database.describe_error(exc)}"
            ) from exc


class PostgresUnitOfWorkFactory:
    """UnitOfWorkFactory over one PostgresDatabase."""

    def __init__(self, database: PostgresDatabase) -> None:
        self.database = database

    def __call__(self, *, read_only: bool = False) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self.database, read_only=read_only)
