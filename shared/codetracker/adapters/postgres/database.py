"""The connection owner: one connection per process (a Lambda container, a CLI run), opened on first use and
reused, the schema migrated the first time it connects.

Units of work (unit_of_work.py) take turns on it under a lock. When the connection turns out to be broken
before a unit starts (server restart, proxy idle timeout, a Lambda thawed after minutes) the unit opens a new
one; once a unit has run any statement, a failure is the caller's to retry, whole.

The conninfo may be a callable (credentials from a secret store): it is resolved on first connection, so
building adapters never starts or reaches anything, and resolved again when connecting fails, so a rotated
password is picked up without a restart.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from codetracker.adapters.postgres.migrations import migrate
from codetracker.adapters.postgres.connection import DEFAULT_CONNECT_TIMEOUT, connect, driver_message, redacted
from codetracker.errors import StoreUnavailable

if TYPE_CHECKING:
    import psycopg


class PostgresDatabase:
    def __init__(
        self,
        conninfo: str | Callable[[], str],
        *,
        connect_timeout: int = DEFAULT_CONNECT_TIMEOUT,
        auto_migrate: bool = True,
    ) -> None:
        self._conninfo_source = conninfo
        self._resolved: str | None = conninfo if isinstance(conninfo, str) else None
        self._connect_timeout = connect_timeout
        self._migrated = not auto_migrate
        self._connection: psycopg.Connection | None = None
        # Held by a unit of work from its start to its end: units on one connection take turns.
        self.lock = threading.RLock()

    def __repr__(self) -> str:
        if self._resolved is None:
            return "PostgresDatabase(<not resolved yet>)"
        return f"PostgresDatabase({redacted(self._resolved)!r})"

    def _conninfo(self, *, again: bool = False) -> str:
        source = self._conninfo_source
        if self._resolved is None or (again and callable(source)):
            self._resolved = source if isinstance(source, str) else source()
        return self._resolved

    def connection(self) -> psycopg.Connection:
        """The open connection (autocommit; units of work open their own transaction on it)."""
        with self.lock:
            conn = self._connection
            if conn is None or conn.closed or conn.broken:
                self.discard()
                conn = self._connect()
                self._connection = conn
            if not self._migrated:
                migrate(conn)
                self._migrated = True
            return conn

    def _connect(self) -> psycopg.Connection:
        conninfo = self._conninfo()
        try:
            return connect(conninfo, connect_timeout=self._connect_timeout)
        except StoreUnavailable:
            if not callable(self._conninfo_source):
                raise
            # Credentials may have been rotated since they were read: ask the source again, once.
            fresh = self._conninfo(again=True)
            if fresh == conninfo:
                raise
            return connect(fresh, connect_timeout=self._connect_timeout)

    def schema_version(self) -> tuple[int | None, int]:
        """(newest applied migration, how many are applied); connecting applies any pending ones first."""
        import psycopg

        with self.lock:
            try:
                row = self.connection().execute("SELECT max(version), count(*) FROM schema_migrations").fetchone()
            except psycopg.OperationalError as err:
                self.discard()
                raise StoreUnavailable(f"Postgres failed ({type(err).__name__}): {self.describe_error(err)}") from err
        assert row is not None
        return row[0], row[1]

    def describe_error(self, err: BaseException) -> str:
        """A driver error as one line, the password hidden."""
        return driver_message(err, self._resolved or "")

    def discard(self) -> None:
        """Close the connection; the next unit of work opens a new one."""
        with self.lock:
            conn, self._connection = self._connection, None
            if conn is not None and not conn.closed:
                conn.close()

    def close(self) -> None:
        self.discard()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
