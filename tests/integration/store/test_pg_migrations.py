"""Schema migrations against a real Postgres: fresh, idempotent, concurrent, checksum drift, failures."""

from __future__ import annotations

import multiprocessing
import threading

import psycopg
import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.migrations import (
    Migration,
    MigrationChecksumMismatch,
    SchemaMigrationError,
    load_migrations,
    migrate,
)
from codetracker.errors import PermanentError

SNAPSHOT_TABLES = {
    "modules",
    "functions",
    "parameters",
    "return_values",
    "snapshot_files",
    "scan_problems",
    "function_file_digests",
}


def _tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {name for (name,) in rows}


def _recorded(conninfo: str) -> list[tuple[int, str, str]]:
    with psycopg.connect(conninfo) as conn:
        return conn.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version").fetchall()


def test_shipped_migrations_are_numbered_in_order() -> None:
    migrations = load_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert migrations[0].name == "0001_snapshots.sql"
    assert all(m.name.startswith(f"{m.version:04d}_") and m.sql.strip() for m in migrations)


def test_fresh_database_gets_every_migration_once(empty_database_url: str) -> None:
    shipped = load_migrations()
    assert migrate(empty_database_url) == [m.version for m in shipped]
    assert SNAPSHOT_TABLES | {"parsed_blobs", "schema_migrations"} <= _tables(empty_database_url)
    assert _recorded(empty_database_url) == [(m.version, m.name, m.checksum) for m in shipped]

    assert migrate(empty_database_url) == []  # idempotent
    assert len(_recorded(empty_database_url)) == len(shipped)


def test_migrate_accepts_an_open_connection_and_leaves_its_mode(empty_database_url: str) -> None:
    with psycopg.connect(empty_database_url) as conn:  # not autocommit
        assert migrate(conn) == [m.version for m in load_migrations()]
        assert conn.autocommit is False
        conn.execute("SELECT count(*) FROM modules")  # usable afterwards
        with pytest.raises(SchemaMigrationError, match="inside a transaction"):
            migrate(conn)  # the SELECT opened a transaction


def test_database_migrates_itself_on_first_use(empty_database_url: str) -> None:
    with PostgresDatabase(empty_database_url) as database:
        assert database.connection().execute("SELECT count(*) FROM functions").fetchone() == (0,)
    assert len(_recorded(empty_database_url)) == len(load_migrations())


def test_concurrent_threads_apply_each_migration_once(empty_database_url: str) -> None:
    workers = 6
    barrier = threading.Barrier(workers)
    applied: list[list[int]] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            with psycopg.connect(empty_database_url, autocommit=True) as conn:
                barrier.wait(timeout=30)
                applied.append(migrate(conn))
        except Exception as err:  # noqa: BLE001 - reported by the assertion below
            failures.append(err)

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    # Each migration applied by exactly one of the workers; the others found it done.
    assert sorted(v for versions in applied for v in versions) == [m.version for m in load_migrations()]
    assert len(_recorded(empty_database_url)) == len(load_migrations())


def _migrate_in_process(conninfo: str, barrier, results) -> None:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        barrier.wait(timeout=60)
        results.put(migrate(conn))


def test_concurrent_processes_apply_each_migration_once(empty_database_url: str) -> None:
    context = multiprocessing.get_context("spawn")  # no forked copies of pytest or the test server handle
    workers = 3
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [
        context.Process(target=_migrate_in_process, args=(empty_database_url, barrier, results)) for _ in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        applied = [results.get(timeout=60) for _ in range(workers)]
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0] * workers
    assert sorted(v for versions in applied for v in versions) == [m.version for m in load_migrations()]


def test_changed_migration_after_apply_is_refused(empty_database_url: str) -> None:
    shipped = load_migrations()
    migrate(empty_database_url, shipped)
    edited = Migration(shipped[0].version, shipped[0].name, shipped[0].sql + "\nCREATE TABLE sneaky (id int);\n")

    with pytest.raises(MigrationChecksumMismatch) as raised:
        migrate(empty_database_url, [edited, *shipped[1:]])
    assert shipped[0].name in str(raised.value)
    assert isinstance(raised.value, PermanentError)
    assert "sneaky" not in _tables(empty_database_url)


def test_line_endings_do_not_count_as_a_change(empty_database_url: str) -> None:
    shipped = load_migrations()
    migrate(empty_database_url, shipped)
    windows_checkout = [Migration(m.version, m.name, m.sql.replace("\n", "\r\n")) for m in shipped]
    assert migrate(empty_database_url, windows_checkout) == []


def test_failed_migration_is_rolled_back_and_not_recorded(empty_database_url: str) -> None:
    first = Migration(1, "0001_first.sql", "CREATE TABLE first_table (id int PRIMARY KEY);")
    broken = Migration(2, "0002_second.sql", "CREATE TABLE second_table (id int); SELECT * FROM no_such_table;")
    with pytest.raises(SchemaMigrationError, match="0002_second.sql"):
        migrate(empty_database_url, [broken, first])  # given out of order: applied by version

    tables = _tables(empty_database_url)
    assert "first_table" in tables and "second_table" not in tables
    assert [version for version, _, _ in _recorded(empty_database_url)] == [1]

    fixed = Migration(2, "0002_second.sql", "CREATE TABLE second_table (id int REFERENCES first_table (id));")
    assert migrate(empty_database_url, [first, fixed]) == [2]
    assert "second_table" in _tables(empty_database_url)


def test_every_foreign_key_column_leads_an_index(migrated_database_url: str) -> None:
    """Without an index on the referencing columns, every cascaded delete scans the child table."""
    with psycopg.connect(migrated_database_url) as conn:
        foreign_keys = conn.execute(
            "SELECT conrelid::regclass::text, conname, conrelid, conkey FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        ).fetchall()
        indexes: dict[int, list[list[int]]] = {}
        for table, columns in conn.execute(
            "SELECT indrelid, indkey::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "WHERE c.relnamespace = 'public'::regnamespace AND i.indisvalid AND i.indpred IS NULL"
        ):
            indexes.setdefault(table, []).append([int(n) for n in columns.split()])

    assert len(foreign_keys) >= 5  # the snapshot tables' own; guards against a query that finds nothing
    unindexed = [
        f"{table}.{name}"
        for table, name, table_oid, columns in foreign_keys
        if not any(sorted(index[: len(columns)]) == sorted(columns) for index in indexes.get(table_oid, []))
    ]
    assert unindexed == []


def test_children_cascade_from_their_parent(migrated_database_url: str) -> None:
    with psycopg.connect(migrated_database_url) as conn:
        rules = conn.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text, confdeltype FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        ).fetchall()
    expected = {
        ("functions", "modules"),
        ("parameters", "functions"),
        ("return_values", "functions"),
        ("snapshot_files", "modules"),
        ("scan_problems", "modules"),
        ("function_file_digests", "modules"),
    }
    assert expected <= {(child, parent) for child, parent, _ in rules}
    assert {delete_rule for child, parent, delete_rule in rules if (child, parent) in expected} == {"c"}
