"""Storing a key again writes only what changed, and still leaves exactly the given descriptor.

Row identity is checked with `xmin` (the transaction that wrote the row version): a row that was neither
inserted nor updated by a store keeps it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import functools
import threading
import time

import psycopg
import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.migrations import load_migrations, migrate
from tests.support.race import run_together
from tests.support.stores import CommittingSnapshotStore, snapshot_store
from codetracker.contracts.descriptor import descriptor_from_dict, descriptor_to_dict
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    TreeEntry,
)
from codetracker.ports.snapshot_store import SnapshotToStore

SLUG = "acme-utils"
KEY = SnapshotKey(SLUG, "main", "HEAD")
SOURCE = SnapshotSource(name="acme/utils", folder_path=None, commit_sha="a" * 40)


def fn(path: str, order: int, name: str, **changes: object) -> ExportedFunction:
    base = ExportedFunction(
        name=name,
        file_path=path,
        export_type="named",
        is_async=False,
        description=f"{name} does things",
        jsdoc_raw=f"/** {name} does things */",
        order_in_file=order,
        parameters=(
            Parameter("a", 0, "string", False, False, None, None, "first"),
            Parameter("rest", 1, "any[]", False, True, None, None, None),
        ),
        return_values=(ReturnValue("number", "a count"),),
    )
    return dataclasses.replace(base, **changes)


def descriptor(functions: list[ExportedFunction], **extra: object) -> Descriptor:
    ordered = tuple(sorted(functions, key=lambda f: (f.file_path, f.order_in_file)))
    files = tuple(
        TreeEntry(path, EntryKind.FILE, len(path), hashlib.sha1(path.encode()).hexdigest())
        for path in sorted({f.file_path for f in functions})
    )
    return dataclasses.replace(Descriptor(module_slug=SLUG, functions=ordered, files=files), **extra)


V1 = descriptor(
    [
        fn("src/kept.js", 0, "kept0"),
        fn("src/kept.js", 1, "kept1"),
        fn("src/changed.js", 0, "changed0"),
        fn("src/changed.js", 1, "changed1"),
        fn("src/removed.js", 0, "removed0"),
    ]
)
V2 = descriptor(
    [
        fn("src/kept.js", 0, "kept0"),
        fn("src/kept.js", 1, "kept1"),
        fn("src/changed.js", 0, "changed0"),
        fn(
            "src/changed.js",
            1,
            "changed1",
            parameters=(Parameter("a", 0, "number", False, False, None, None, "first"),),
        ),
        fn("src/added.js", 0, "added0"),
    ]
)


@pytest.fixture
def store(postgres_database: PostgresDatabase) -> CommittingSnapshotStore:
    return snapshot_store(postgres_database)


def function_rows(conninfo: str, key: SnapshotKey = KEY) -> dict[tuple[str, int], tuple[int, str]]:
    """(file_path, order_in_file) → (function id, xmin) of the key's function rows."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT f.file_path, f.order_in_file, f.id, f.xmin::text FROM functions f "
            "JOIN modules m ON m.id = f.module_id "
            "WHERE m.module_slug = %s AND m.branch_name = %s AND m.release_tag = %s",
            [key.module_slug, key.branch_name, key.release_tag],
        ).fetchall()
    return {(path, order): (function_id, xmin) for path, order, function_id, xmin in rows}


def row_versions(conninfo: str, key: SnapshotKey = KEY) -> dict[str, set[tuple]]:
    """Every child row of the key with its xmin: unchanged as a whole when nothing was written."""
    scope = (
        "FROM {table} c JOIN modules m ON m.id = c.module_id "
        "WHERE m.module_slug = %(slug)s AND m.branch_name = %(branch)s AND m.release_tag = %(tag)s"
    )
    via_function = (
        "FROM {table} c JOIN functions f ON f.id = c.function_id JOIN modules m ON m.id = f.module_id "
        "WHERE m.module_slug = %(slug)s AND m.branch_name = %(branch)s AND m.release_tag = %(tag)s"
    )
    queries = {
        "functions": "SELECT c.id, c.xmin::text " + scope,
        "parameters": "SELECT c.function_id, c.position, c.xmin::text " + via_function,
        "return_values": "SELECT c.function_id, c.position, c.xmin::text " + via_function,
        "function_file_digests": "SELECT c.file_path, c.digest, c.xmin::text " + scope,
        "snapshot_files": "SELECT c.path, c.xmin::text " + scope,
        "scan_problems": "SELECT c.position, c.xmin::text " + scope,
    }
    values = {"slug": key.module_slug, "branch": key.branch_name, "tag": key.release_tag}
    with psycopg.connect(conninfo) as conn:
        return {
            table: set(conn.execute(query.format(table=table), values).fetchall())  # type: ignore[arg-type]
            for table, query in queries.items()
        }


def count_rows(conninfo: str, table: str, key: SnapshotKey = KEY) -> int:
    with psycopg.connect(conninfo) as conn:
        if table in ("parameters", "return_values"):
            query = (
                f"SELECT count(*) FROM {table} c JOIN functions f ON f.id = c.function_id "
                "JOIN modules m ON m.id = f.module_id "
                "WHERE m.module_slug = %s AND m.branch_name = %s AND m.release_tag = %s"
            )
        else:
            query = (
                f"SELECT count(*) FROM {table} c JOIN modules m ON m.id = c.module_id "
                "WHERE m.module_slug = %s AND m.branch_name = %s AND m.release_tag = %s"
            )
        row = conn.execute(query, [key.module_slug, key.branch_name, key.release_tag]).fetchone()
        assert row is not None
        return row[0]


def test_only_changed_added_and_removed_files_are_rewritten(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    before = function_rows(migrated_database_url)

    summary = store.store_snapshot(SnapshotToStore(KEY, V2, SOURCE))

    assert store.load_snapshot(KEY) == V2
    after = function_rows(migrated_database_url)
    assert set(after) == {(f.file_path, f.order_in_file) for f in V2.functions}
    kept = [("src/kept.js", 0), ("src/kept.js", 1)]
    assert [after[k] for k in kept] == [before[k] for k in kept]  # same ids, same row versions
    rewritten = [("src/changed.js", 0), ("src/changed.js", 1)]
    assert all(after[k][0] != before[k][0] for k in rewritten)  # the whole file, also its unchanged function
    assert max(function_id for function_id, _ in before.values()) < after[("src/added.js", 0)][0]
    assert (summary.functions_count, summary.parameters_count, summary.return_values_count) == (5, 9, 5)
    for table, expected in [("functions", 5), ("parameters", 9), ("return_values", 5), ("function_file_digests", 3)]:
        assert count_rows(migrated_database_url, table) == expected, table


def test_storing_the_same_descriptor_again_writes_no_child_row(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    with_problems = dataclasses.replace(
        V1,
        problems=(
            ScanProblem("src/broken.js", ProblemKind.PARSE_ERROR, "Unexpected token", line=2, column=4),
            ScanProblem("vendor", ProblemKind.SKIPPED, "ignored"),
        ),
    )
    first = store.store_snapshot(SnapshotToStore(KEY, with_problems, SOURCE))
    before = row_versions(migrated_database_url)
    assert all(before.values())  # every table has rows to compare

    again = store.store_snapshot(SnapshotToStore(KEY, with_problems, SnapshotSource("acme/utils", None, "b" * 40)))

    assert row_versions(migrated_database_url) == before
    assert store.load_snapshot(KEY) == with_problems
    assert (again.snapshot_id, again.commit_sha) == (first.snapshot_id, "b" * 40)  # the module row is updated


def test_an_equal_descriptor_built_apart_writes_nothing(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    """As a rescan gives: equal values, but other objects (some from the blob cache's JSON, none shared)."""
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    before = row_versions(migrated_database_url)
    rebuilt = descriptor_from_dict(json.loads(json.dumps(descriptor_to_dict(V1))))
    assert rebuilt == V1

    store.store_snapshot(SnapshotToStore(KEY, rebuilt, SOURCE))

    assert row_versions(migrated_database_url) == before


def test_files_and_problems_are_replaced_by_difference(store: CommittingSnapshotStore) -> None:
    files = (
        TreeEntry("a.js", EntryKind.FILE, 10, "1" * 40),
        TreeEntry("b.js", EntryKind.FILE, 20, "2" * 40),
        TreeEntry("c.js", EntryKind.SYMLINK, 5, "3" * 40),
        TreeEntry("d.js", EntryKind.FILE, 40, None),
    )
    first = Descriptor(SLUG, (), files, (ScanProblem("c.js", ProblemKind.SKIPPED, "symlink"),))
    second = Descriptor(
        SLUG,
        (),
        (
            files[0],
            TreeEntry("b.js", EntryKind.FILE, 21, "2" * 40),  # size changed
            TreeEntry("c.js", EntryKind.FILE, 5, "3" * 40),  # kind changed
            TreeEntry("d.js", EntryKind.FILE, 40, "4" * 40),  # sha appeared
            TreeEntry("e.js", EntryKind.SUBMODULE, 0, "5" * 40),  # added
        ),
        (
            ScanProblem("b.js", ProblemKind.PARSE_ERROR, "Unexpected", line=1, column=0),
            ScanProblem("b.js", ProblemKind.SKIPPED, "and skipped"),
        ),
    )
    store.store_snapshot(SnapshotToStore(KEY, first, SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, second, SOURCE))
    assert store.load_snapshot(KEY) == second

    third = Descriptor(SLUG, (), files[:1], ())  # removed files and problems
    store.store_snapshot(SnapshotToStore(KEY, third, SOURCE))
    assert store.load_snapshot(KEY) == third


def _mutations() -> dict[str, ExportedFunction]:
    """One change to each stored field of changed.js's second function (name, export, JSDoc, parameters…)."""
    f = fn("src/changed.js", 1, "changed1")
    p = f.parameters[0]
    r = f.return_values[0]
    return {
        "name": dataclasses.replace(f, name="renamed"),
        "export_type": dataclasses.replace(f, export_type="default"),
        "is_async": dataclasses.replace(f, is_async=True),
        "description": dataclasses.replace(f, description=None),
        "description empty": dataclasses.replace(f, description=""),
        "jsdoc_raw": dataclasses.replace(f, jsdoc_raw="/** other */"),
        "order_in_file": dataclasses.replace(f, order_in_file=7),
        "parameter name": dataclasses.replace(f, parameters=(dataclasses.replace(p, name="b"), f.parameters[1])),
        "parameter position": dataclasses.replace(f, parameters=(p, dataclasses.replace(f.parameters[1], position=5))),
        "parameter type": dataclasses.replace(f, parameters=(dataclasses.replace(p, type=None), f.parameters[1])),
        "parameter optional": dataclasses.replace(
            f, parameters=(dataclasses.replace(p, is_optional=True), f.parameters[1])
        ),
        "parameter rest": dataclasses.replace(f, parameters=(dataclasses.replace(p, is_rest=True), f.parameters[1])),
        "parameter default": dataclasses.replace(
            f, parameters=(dataclasses.replace(p, default_value="1"), f.parameters[1])
        ),
        "parameter description": dataclasses.replace(
            f, parameters=(dataclasses.replace(p, description="first!"), f.parameters[1])
        ),
        "parameter removed": dataclasses.replace(f, parameters=f.parameters[:1]),
        "parameters swapped": dataclasses.replace(
            f,
            parameters=(dataclasses.replace(f.parameters[1], position=0), dataclasses.replace(p, position=1)),
        ),
        "return type": dataclasses.replace(f, return_values=(dataclasses.replace(r, type="string"),)),
        "return description": dataclasses.replace(f, return_values=(dataclasses.replace(r, description=None),)),
        "return added": dataclasses.replace(f, return_values=(r, ReturnValue(None, "or nothing"))),
        "return removed": dataclasses.replace(f, return_values=()),
    }


@pytest.mark.parametrize("change", sorted(_mutations()))
def test_a_change_to_any_stored_field_rewrites_its_file(store: CommittingSnapshotStore, change: str) -> None:
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    others = [f for f in V1.functions if (f.file_path, f.order_in_file) != ("src/changed.js", 1)]
    changed = descriptor([*others, _mutations()[change]])

    store.store_snapshot(SnapshotToStore(KEY, changed, SOURCE))

    assert store.load_snapshot(KEY) == changed


@pytest.mark.parametrize(("first", "then"), [(None, ""), ("", None)])
def test_absent_and_empty_text_are_told_apart(
    store: CommittingSnapshotStore, first: str | None, then: str | None
) -> None:
    store.store_snapshot(SnapshotToStore(KEY, descriptor([fn("a.js", 0, "f", description=first)]), SOURCE))
    changed = descriptor([fn("a.js", 0, "f", description=then)])
    store.store_snapshot(SnapshotToStore(KEY, changed, SOURCE))
    assert store.load_snapshot(KEY).functions[0].description == then


def test_reordering_functions_of_a_file_is_a_change(store: CommittingSnapshotStore) -> None:
    """Two functions sharing an order_in_file load in the order they were given (by id)."""
    first = Descriptor(SLUG, (fn("a.js", 0, "one"), fn("a.js", 0, "two")))
    swapped = Descriptor(SLUG, (fn("a.js", 0, "two"), fn("a.js", 0, "one")))
    store.store_snapshot(SnapshotToStore(KEY, first, SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, swapped, SOURCE))
    assert store.load_snapshot(KEY) == swapped


def test_a_function_moving_to_another_file_leaves_nothing_behind(store: CommittingSnapshotStore) -> None:
    moved = descriptor(
        [
            *[f for f in V1.functions if f.name != "kept1"],
            fn("src/removed.js", 1, "kept1"),
        ]
    )
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, moved, SOURCE))
    assert store.load_snapshot(KEY) == moved


def test_without_digest_rows_everything_is_replaced(store: CommittingSnapshotStore, migrated_database_url: str) -> None:
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    before = function_rows(migrated_database_url)
    with psycopg.connect(migrated_database_url) as conn:
        assert conn.execute("DELETE FROM function_file_digests").rowcount == 3

    store.store_snapshot(SnapshotToStore(KEY, V2, SOURCE))

    assert store.load_snapshot(KEY) == V2
    after = function_rows(migrated_database_url)
    assert not {function_id for function_id, _ in after.values()} & {i for i, _ in before.values()}
    assert count_rows(migrated_database_url, "function_file_digests") == 3
    # The digests are back: the next store keeps every row.
    store.store_snapshot(SnapshotToStore(KEY, V2, SOURCE))
    assert function_rows(migrated_database_url) == after


def test_a_store_by_a_writer_without_digests_invalidates_them(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    """Code from before the digests (still running during a deploy) rewrites rows but no digest."""
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    with psycopg.connect(migrated_database_url) as conn:
        # What such a store leaves: a new last_scanned_at, other function rows, the digests untouched.
        conn.execute("UPDATE modules SET last_scanned_at = clock_timestamp()")
        conn.execute("UPDATE functions SET description = 'written by the old code'")

    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))

    assert store.load_snapshot(KEY) == V1


def test_a_store_waiting_for_a_writer_without_digests_sees_what_it_did(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    """The lock comes first: whether the digests still hold is read after the other writer commits."""
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    outcome: list[BaseException | None] = []

    def store_v1_again() -> None:
        try:
            store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
            outcome.append(None)
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            outcome.append(err)

    with psycopg.connect(migrated_database_url) as old_writer:
        old_writer.execute("UPDATE modules SET last_scanned_at = clock_timestamp()")  # holds the row lock
        old_writer.execute("UPDATE functions SET description = 'written by the old code'")
        thread = threading.Thread(target=store_v1_again)
        thread.start()
        with psycopg.connect(migrated_database_url, autocommit=True) as observer:
            while not observer.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).fetchone()[0]:  # type: ignore[index]
                assert thread.is_alive(), outcome
                time.sleep(0.01)
        old_writer.commit()
    thread.join()

    assert outcome == [None]
    assert store.load_snapshot(KEY) == V1


def test_a_snapshot_stored_before_the_digests_migration_is_replaced_whole(empty_database_url: str) -> None:
    migrations = load_migrations()
    digests = next(m for m in migrations if m.name == "0003_function_file_digests.sql")
    migrate(empty_database_url, [m for m in migrations if m.version < digests.version])
    with psycopg.connect(empty_database_url) as conn:
        # As the store wrote snapshots then: no digests anywhere.
        (module_id,) = conn.execute(
            "INSERT INTO modules (module_slug, branch_name, release_tag, name, last_scanned_at, functions_count) "
            "VALUES (%s, %s, %s, 'old', now(), 2) RETURNING id",
            [KEY.module_slug, KEY.branch_name, KEY.release_tag],
        ).fetchone()  # type: ignore[misc]
        for path, name in [("src/kept.js", "kept0"), ("src/gone.js", "gone")]:
            (function_id,) = conn.execute(
                "INSERT INTO functions (module_id, name, file_path, export_type, is_async, order_in_file) "
                "VALUES (%s, %s, %s, 'named', false, 0) RETURNING id",
                [module_id, name, path],
            ).fetchone()  # type: ignore[misc]
            conn.execute(
                "INSERT INTO parameters (function_id, position, name, is_optional, is_rest) "
                "VALUES (%s, 0, 'old', false, false)",
                [function_id],
            )

    with PostgresDatabase(empty_database_url) as database:  # migrates the rest on first use
        store = snapshot_store(database)
        store.store_snapshot(SnapshotToStore(KEY, V2, SOURCE))
        assert store.load_snapshot(KEY) == V2
    assert count_rows(empty_database_url, "parameters") == 9


def test_keys_do_not_share_digests(store: CommittingSnapshotStore) -> None:
    """Same paths under two keys, different contents: each key compares with its own digests only."""
    tag = SnapshotKey(SLUG, "main", "v1.0.0")
    store.store_snapshot(SnapshotToStore(KEY, V1, SOURCE))
    store.store_snapshot(SnapshotToStore(tag, V2, SOURCE))

    store.store_snapshot(SnapshotToStore(KEY, V2, SOURCE))
    assert store.load_snapshot(KEY) == V2
    store.store_snapshot(SnapshotToStore(tag, V1, SOURCE))
    assert store.load_snapshot(tag) == V1
    assert store.load_snapshot(KEY) == V2


def test_values_of_str_subclasses_are_stored_and_compared_correctly(store: CommittingSnapshotStore) -> None:
    class Name(str):
        pass

    odd = descriptor([fn("a.js", 0, Name("odd")), fn("b.js", 0, "plain")])
    store.store_snapshot(SnapshotToStore(KEY, odd, SOURCE))
    store.store_snapshot(SnapshotToStore(KEY, odd, SOURCE))
    assert store.load_snapshot(KEY) == odd
    renamed = descriptor([fn("a.js", 0, Name("odder")), fn("b.js", 0, "plain")])
    store.store_snapshot(SnapshotToStore(KEY, renamed, SOURCE))
    assert store.load_snapshot(KEY) == renamed


def _sharing(label: str) -> Descriptor:
    """60 files, 50 shared by both labels with the same functions; the other 10 are the label's own."""
    shared = [fn(f"src/shared/{n:03d}.js", order, f"shared{n}_{order}") for n in range(50) for order in range(3)]
    own = [
        fn(f"src/{label}/{n:03d}.js", order, f"{label}{n}_{order}", description=label)
        for n in range(10)
        for order in range(3)
    ]
    # One shared file differs between the labels: both must rewrite it in turn.
    differing = [fn("src/shared/999.js", 0, "differs", description=label)]
    return descriptor([*shared, *own, *differing])


def test_concurrent_incremental_stores_of_one_key_never_mix(migrated_database_url: str) -> None:
    candidates = {"left": _sharing("left"), "right": _sharing("right")}
    expected = [descriptor_to_dict(d) for d in candidates.values()]
    databases = {label: PostgresDatabase(migrated_database_url) for label in candidates}
    checker_database = PostgresDatabase(migrated_database_url)
    checker = snapshot_store(checker_database)
    shared_rows: dict | None = None
    try:
        for database in databases.values():
            database.connection()  # connected (and migrated) before the race starts
        for round_number in range(6):
            # Alternate who goes first, so each round stores over the other descriptor half of the time.
            order = list(candidates) if round_number % 2 == 0 else list(reversed(candidates))
            failures = run_together(
                [
                    functools.partial(
                        snapshot_store(databases[label]).store_snapshot, SnapshotToStore(KEY, candidates[label], SOURCE)
                    )
                    for label in order
                ]
            )
            assert failures == []

            # After every round: exactly one of the two, with exactly its rows.
            assert descriptor_to_dict(checker.load_snapshot(KEY)) in expected
            assert count_rows(migrated_database_url, "functions") == 181
            assert count_rows(migrated_database_url, "parameters") == 362
            assert count_rows(migrated_database_url, "function_file_digests") == 61
            # The shared files were written once, by the first round, and kept by every later store.
            rows = {
                k: v
                for k, v in function_rows(migrated_database_url).items()
                if k[0].startswith("src/shared/") and k[0] != "src/shared/999.js"
            }
            assert len(rows) == 150
            if shared_rows is None:
                shared_rows = rows
            assert rows == shared_rows
    finally:
        for database in [*databases.values(), checker_database]:
            database.close()
