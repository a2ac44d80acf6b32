"""Fixtures shared by the whole suite.

Postgres: the server is DATABASE_URL when set, else an embedded pgserver in a temporary directory, started on
first use by a test that needs it and stopped (and deleted) at the end of the session. Every test that asks
for a database gets a fresh one: a copy of a template database migrated once per session (CREATE DATABASE …
TEMPLATE takes a few milliseconds), dropped afterwards. A DATABASE_URL server must let its user create
databases. psycopg and pgserver are imported only by those fixtures.
"""

from __future__ import annotations

import os
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.support.unprivileged import open_tree  # noqa: F401 - a fixture for every test

if TYPE_CHECKING:
    import psycopg
    from codetracker.adapters.postgres.database import PostgresDatabase


def database_conninfo(server_conninfo: str, dbname: str) -> str:
    """The conninfo of another database on the same server."""
    from psycopg.conninfo import make_conninfo

    return make_conninfo(server_conninfo, dbname=dbname)


def _process_is_running(pid: int) -> bool:
    import psutil  # a dependency of pgserver

    try:
        # A stopped postmaster whose parent is gone can linger as a zombie until init reaps it.
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Conninfo of the test server's maintenance database (for creating and dropping databases)."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs: XDG_RUNTIME_DIR unset
        import pgserver

    data_dir = tempfile.mkdtemp(prefix="codetracker-pg-")
    server = pgserver.get_server(data_dir, cleanup_mode="delete")
    pid = server.get_pid()
    try:
        yield server.get_uri()
    finally:
        server.cleanup()  # pg_ctl stop -w, then removes the data directory
        if pid is not None and _process_is_running(pid):
            import psutil

            psutil.Process(pid).kill()
            pytest.fail(f"the test Postgres (pid {pid}) was still running after cleanup; killed it")


@pytest.fixture(scope="session")
def _admin_connection(database_url: str) -> Iterator[psycopg.Connection]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


def _create_database(admin: psycopg.Connection, prefix: str, template: str) -> str:
    from psycopg import sql

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return name


def _drop_database(admin: psycopg.Connection, name: str) -> None:
    from psycopg import sql

    # FORCE: a test that failed half-way may leave connections open.
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def _migrated_template(database_url: str, _admin_connection: psycopg.Connection) -> Iterator[str]:
    from codetracker.adapters.postgres.migrations import migrate

    name = _create_database(_admin_connection, "codetracker_template", "template0")
    try:
        migrate(database_conninfo(database_url, name))  # closes its connection: templates must be unused
        yield name
    finally:
        _drop_database(_admin_connection, name)


@pytest.fixture
def empty_database_url(database_url: str, _admin_connection: psycopg.Connection) -> Iterator[str]:
    """A new database without any table, dropped after the test."""
    name = _create_database(_admin_connection, "codetracker_empty", "template0")
    try:
        yield database_conninfo(database_url, name)
    finally:
        _drop_database(_admin_connection, name)


@pytest.fixture
def migrated_database_url(
    database_url: str, _admin_connection: psycopg.Connection, _migrated_template: str
) -> Iterator[str]:
    """A new database with the current schema and no rows, dropped after the test."""
    name = _create_database(_admin_connection, "codetracker_test", _migrated_template)
    try:
        yield database_conninfo(database_url, name)
    finally:
        _drop_database(_admin_connection, name)


@pytest.fixture
def postgres_database(migrated_database_url: str) -> Iterator[PostgresDatabase]:
    """A PostgresDatabase on a fresh migrated database, closed after the test."""
    from codetracker.adapters.postgres.database import PostgresDatabase

    database = PostgresDatabase(migrated_database_url)
    try:
        yield database
    finally:
        database.close()
