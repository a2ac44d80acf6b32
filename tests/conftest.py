"""Fixtures shared by the whole suite.

Postgres: the server is where the settings say (DATABASE_URL or CODE_TRACKER_PG_* when set), else the embedded
Postgres (codetracker.local.embedded_postgres) in a temporary directory, started on first use by a test that
needs it (without fsync: a throwaway server) and stopped (and deleted) at the end of the session; under
pytest-xdist each worker has its own. Every test that asks for a database gets a fresh one: a copy of a
template database migrated once per session (CREATE DATABASE … TEMPLATE), dropped afterwards. A DATABASE_URL
server must let its user create databases. psycopg and pgserver are imported only by those fixtures.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.unprivileged import open_tree  # noqa: F401 - a fixture for every test

if TYPE_CHECKING:
    import psycopg
    from codetracker.adapters.postgres.database import PostgresDatabase


def pytest_configure(config: pytest.Config) -> None:
    """Before pytest's own clean-up of old numbered temporary folders (which recurses and fails on trees
    thousands of levels deep, exiting 1 after every test passed): remove those it would, without recursion.
    The deep-tree tests remove their trees themselves; this covers leftovers of runs from before they did."""
    if config.option.basetemp:
        return  # an explicit --basetemp: pytest cleans no numbered folders
    import getpass

    from tests.support.deep_trees import remove_stale_pytest_folders

    try:
        user = getpass.getuser()
    except (ImportError, KeyError, OSError):
        user = "unknown"
    temproot = Path(os.environ.get("PYTEST_DEBUG_TEMPROOT") or tempfile.gettempdir()).resolve()
    remove_stale_pytest_folders(temproot / f"pytest-of-{user}")


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own group tagging, which pytest 9.2 ignores
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from tests.support import python313_unit_run, xdist_groups

    xdist_groups.tag_groups(config, items)
    python313_unit_run.order_and_start(config, items)


# pytest-xdist's controller hooks (python3 tasks.py test runs the suite in workers): the Python 3.13 unit-test
# run is started once, by the controller, and each worker is told where its outcome will be.
@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node) -> None:
    from tests.support import python313_unit_run

    python313_unit_run.hand_to_worker(node.config, node.workerinput)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids: list[str]) -> None:
    from tests.support import python313_unit_run

    python313_unit_run.start_for_workers(node.config, ids)


def pytest_unconfigure(config: pytest.Config) -> None:
    from tests.support import python313_unit_run

    python313_unit_run.stop(config)


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


def _skip_fsync(conninfo: str) -> None:
    """The tests' own throwaway server writes without waiting for the disk: a crash of the machine is the
    only thing fsync guards against, and with it every commit, CREATE DATABASE and DROP DATABASE waits for
    the disk (a commit 6 ms instead of under 1 ms on the CI-sized machine)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("ALTER SYSTEM SET fsync = off")
        conn.execute("SELECT pg_reload_conf()")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """Conninfo of the test server's maintenance database (for creating and dropping databases), resolved by the
    settings as the CLI resolves it: DATABASE_URL or CODE_TRACKER_PG_* when set, else the embedded Postgres, here
    in a temporary data directory that is stopped and deleted at the end of the session."""
    from codetracker.local.embedded_postgres import embedded_conninfo, stop_embedded_postgres
    from codetracker.settings import PG_DATA, DatabaseLocation

    data_dir = Path(tempfile.mkdtemp(prefix="codetracker-pg-"))
    location = DatabaseLocation.from_env({**os.environ, PG_DATA: str(data_dir)}, embedded_conninfo=embedded_conninfo)
    if not location.embedded:
        data_dir.rmdir()
        yield location.conninfo_source()()
        return
    try:
        conninfo = location.conninfo_source()()
        pid = int((data_dir / "postmaster.pid").read_text().split()[0])
        _skip_fsync(conninfo)
        yield conninfo
    finally:
        stop_embedded_postgres(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
    if _process_is_running(pid):
        import psutil

        psutil.Process(pid).kill()
        pytest.fail(f"the test Postgres (pid {pid}) was still running after it was stopped; killed it")


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
