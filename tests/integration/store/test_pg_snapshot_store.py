"""CommittingSnapshotStore against a real Postgres: round trip, replacing one key, concurrency, cascades."""

from __future__ import annotations

import functools
from datetime import datetime

import psycopg
import pytest
from codetracker.adapters.postgres.database import PostgresDatabase
from tests.support.race import run_together
from tests.support.stores import CommittingSnapshotStore, snapshot_store
from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    PackageApi,
    PackageEntryPoint,
    Parameter,
    ProblemKind,
    PublicFunction,
    ReturnValue,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    TreeEntry,
    UnknownExport,
)
from codetracker.errors import InvalidInput, SnapshotNotFound
from codetracker.ports.snapshot_store import SnapshotSelection, SnapshotToStore

SLUG = "acme-utils"


def rich_descriptor(slug: str = SLUG, label: str = "v1") -> Descriptor:
    """Every field in use, None where the model allows it; paths in Python (code point) order."""
    functions = (
        ExportedFunction(
            name="Zeta",
            file_path="B.js",
            export_type="named",
            is_async=False,
            description=None,
            jsdoc_raw=None,
            order_in_file=0,
        ),
        ExportedFunction(
            name=f"fetchAll_{label}",
            file_path="src/api.js",
            export_type="named",
            is_async=True,
            description="Fetches «everything» — 全部.",
            jsdoc_raw="/**\n * Fetches everything.\n * @param {string} url\n * @returns {Promise<Item[]>}\n */",
            order_in_file=0,
            parameters=(
                Parameter("url", 0, "string", False, False, None, None, "where from"),
                Parameter("{ retries, timeout }", 1, "Options", True, False, "{}", None, None),
                Parameter("rest", 2, "any[]", False, True, None, None, None),
            ),
            return_values=(ReturnValue("Promise<Item[]>", "the items"), ReturnValue(None, "or nothing")),
        ),
        ExportedFunction(
            name="default",
            file_path="src/api.js",
            export_type="default",
            is_async=False,
            description="",
            jsdoc_raw="/** */",
            order_in_file=1,
            parameters=(Parameter("x", 0, None, False, False, "'it''s' \\ \t tab", None, ""),),
        ),
        ExportedFunction(
            name="helper",
            file_path="src/é.js",
            export_type="named",
            is_async=False,
            description=None,
            jsdoc_raw=None,
            order_in_file=3,
            return_values=(ReturnValue("void", None),),
        ),
    )
    files = (
        TreeEntry("B.js", EntryKind.FILE, 120, "a" * 40),
        TreeEntry("_private.js", EntryKind.FILE, 0, None),
        TreeEntry("a.js", EntryKind.SYMLINK, 8, "b" * 40),
        TreeEntry("src/api.js", EntryKind.FILE, 2048, "c" * 40),
        TreeEntry("src/é.js", EntryKind.FILE, 3_000_000_000, "d" * 40),
        TreeEntry("vendor/lib", EntryKind.SUBMODULE, 0, "e" * 40),
    )
    problems = (
        ScanProblem("a.js", ProblemKind.SKIPPED, "symlink"),
        ScanProblem("broken.js", ProblemKind.PARSE_ERROR, "Unexpected token }", line=3, column=0),
        ScanProblem("broken.js", ProblemKind.SKIPPED, "also too large"),
    )
    public_api = PackageApi(
        entry_points=(
            PackageEntryPoint(".", ("import", "default"), "src/api.js"),
            PackageEntryPoint("./legacy", ("require",), None),
        ),
        public_functions=(
            PublicFunction(".", f"fetchAll_{label}", "src/api.js", f"fetchAll_{label}"),
            PublicFunction(".", "default", "src/api.js", "default"),
            PublicFunction(".", "zeta", "B.js", "Zeta"),
        ),
        unknown_exports=(UnknownExport(".", "shuffle", "the value of a call: shuffler(random)"),),
    )
    return Descriptor(module_slug=slug, functions=functions, files=files, problems=problems, public_api=public_api)


def large_descriptor(label: str, functions: int = 1500, params: int = 3) -> Descriptor:
    return Descriptor(
        module_slug=SLUG,
        functions=tuple(
            ExportedFunction(
                name=f"{label}_{n}",
                file_path=f"src/{label}/{n // 50:04d}.js",
                export_type="named",
                is_async=n % 2 == 0,
                description=f"{label} function {n}",
                jsdoc_raw=None,
                order_in_file=n % 50,
                parameters=tuple(
                    Parameter(f"{label}_p{i}", i, "number", False, False, None, None, None) for i in range(params)
                ),
                return_values=(ReturnValue("number", label),),
            )
            for n in range(functions)
        ),
        files=tuple(
            TreeEntry(f"src/{label}/{n:04d}.js", EntryKind.FILE, n, f"{n:040x}") for n in range(functions // 50)
        ),
        # Every third function public, under a subpath of its label: a mix would show in the listing.
        public_api=PackageApi(
            entry_points=(PackageEntryPoint(f"./{label}", ("import",), f"src/{label}/0000.js"),),
            public_functions=tuple(
                PublicFunction(f"./{label}", f"{label}_{n}", f"src/{label}/{n // 50:04d}.js", f"{label}_{n}")
                for n in range(0, functions, 3)
            ),
        ),
    )


def key(branch: str = "main", tag: str = "HEAD", slug: str = SLUG) -> SnapshotKey:
    return SnapshotKey(module_slug=slug, branch_name=branch, release_tag=tag)


SOURCE = SnapshotSource(name="acme/utils", folder_path="https://example.com/acme/utils.git", commit_sha="f" * 40)


@pytest.fixture
def store(postgres_database: PostgresDatabase) -> CommittingSnapshotStore:
    return snapshot_store(postgres_database)


def _child_rows(conninfo: str, module_id: int) -> dict[str, int]:
    with psycopg.connect(conninfo) as conn:
        return dict(
            zip(
                ("functions", "parameters", "return_values", "snapshot_files", "scan_problems"),
                conn.execute(
                    """
                    SELECT
                      (SELECT count(*) FROM functions WHERE module_id = %(id)s),
                      (SELECT count(*) FROM parameters p JOIN functions f ON f.id = p.function_id
                        WHERE f.module_id = %(id)s),
                      (SELECT count(*) FROM return_values r JOIN functions f ON f.id = r.function_id
                        WHERE f.module_id = %(id)s),
                      (SELECT count(*) FROM snapshot_files WHERE module_id = %(id)s),
                      (SELECT count(*) FROM scan_problems WHERE module_id = %(id)s)
                    """,
                    {"id": module_id},
                ).fetchone(),
                strict=True,
            )
        )


def test_round_trip_returns_the_stored_descriptor(store: CommittingSnapshotStore) -> None:
    descriptor = rich_descriptor()
    store.store_snapshot(SnapshotToStore(key(), descriptor, SOURCE))

    loaded = store.load_snapshot(key())
    assert descriptor_to_dict(loaded) == descriptor_to_dict(descriptor)
    assert loaded == descriptor


def test_summary_counts_what_was_stored(store: CommittingSnapshotStore, migrated_database_url: str) -> None:
    summary = store.store_snapshot(SnapshotToStore(key(tag="v1.2.0"), rich_descriptor(), SOURCE))

    assert (summary.module_slug, summary.branch_name, summary.release_tag) == (SLUG, "main", "v1.2.0")
    assert summary.commit_sha == SOURCE.commit_sha
    assert (
        summary.functions_count,
        summary.parameters_count,
        summary.return_values_count,
        summary.files_count,
        summary.problems_count,
    ) == (4, 4, 3, 6, 3)
    assert _child_rows(migrated_database_url, summary.snapshot_id) == {
        "functions": 4,
        "parameters": 4,
        "return_values": 3,
        "snapshot_files": 6,
        "scan_problems": 3,
    }
    assert datetime.fromisoformat(summary.last_scanned_at).utcoffset() is not None
    assert store.list_snapshots(SnapshotSelection(SLUG)) == [summary]


def test_storing_replaces_only_that_key(store: CommittingSnapshotStore, migrated_database_url: str) -> None:
    others = {
        key(tag="v1.0.0"): rich_descriptor(label="tag"),
        key(branch="develop"): rich_descriptor(label="develop"),
        key(slug="other-module"): rich_descriptor(slug="other-module", label="other"),
    }
    for other_key, descriptor in others.items():
        store.store_snapshot(SnapshotToStore(other_key, descriptor, SOURCE))
    first = store.store_snapshot(SnapshotToStore(key(), rich_descriptor(label="v1"), SOURCE))
    before = {
        summary.release_tag + "@" + summary.branch_name: summary
        for summary in store.list_snapshots(SnapshotSelection(SLUG))
    }

    replacement = large_descriptor("v2", functions=120)
    second = store.store_snapshot(
        SnapshotToStore(key(), replacement, SnapshotSource(name="acme/utils", folder_path=None, commit_sha="1" * 40))
    )

    assert second.snapshot_id == first.snapshot_id  # the row is updated, not re-created
    assert store.load_snapshot(key()) == replacement
    assert _child_rows(migrated_database_url, second.snapshot_id)["functions"] == 120
    for other_key, descriptor in others.items():
        assert store.load_snapshot(other_key) == descriptor
    after = {
        summary.release_tag + "@" + summary.branch_name: summary
        for summary in store.list_snapshots(SnapshotSelection(SLUG))
    }
    assert after["HEAD@main"].commit_sha == "1" * 40 and after["HEAD@main"].functions_count == 120
    assert {name: s for name, s in after.items() if name != "HEAD@main"} == {
        name: s for name, s in before.items() if name != "HEAD@main"
    }


def test_list_snapshots_filters_and_orders(store: CommittingSnapshotStore) -> None:
    for branch, tag in [("main", "v2.0.0"), ("develop", "HEAD"), ("main", "HEAD"), ("main", "v1.0.0")]:
        store.store_snapshot(SnapshotToStore(key(branch, tag), rich_descriptor(), SOURCE))
    store.store_snapshot(SnapshotToStore(key(slug="other"), rich_descriptor(slug="other"), SOURCE))

    listed = [(s.branch_name, s.release_tag) for s in store.list_snapshots(SnapshotSelection(SLUG))]
    assert listed == [("develop", "HEAD"), ("main", "HEAD"), ("main", "v1.0.0"), ("main", "v2.0.0")]
    assert [
        (s.branch_name, s.release_tag) for s in store.list_snapshots(SnapshotSelection(SLUG, branch_name="main"))
    ] == listed[1:]
    assert [
        (s.branch_name, s.release_tag) for s in store.list_snapshots(SnapshotSelection(SLUG, release_tag="HEAD"))
    ] == listed[:2]
    assert [s.release_tag for s in store.list_snapshots(SnapshotSelection(SLUG, "main", "v1.0.0"))] == ["v1.0.0"]
    assert store.list_snapshots(SnapshotSelection("never-stored")) == []


def test_loading_an_absent_snapshot_raises(store: CommittingSnapshotStore) -> None:
    store.store_snapshot(SnapshotToStore(key(), rich_descriptor(), SOURCE))
    with pytest.raises(SnapshotNotFound):
        store.load_snapshot(key(tag="v9.9.9"))
    with pytest.raises(SnapshotNotFound):
        store.load_snapshot(key(slug="never-stored"))


def test_an_empty_descriptor_clears_the_previous_snapshot(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    store.store_snapshot(SnapshotToStore(key(), rich_descriptor(), SOURCE))
    empty = Descriptor(module_slug=SLUG, functions=())
    summary = store.store_snapshot(SnapshotToStore(key(), empty, SOURCE))

    assert store.load_snapshot(key()) == empty
    assert set(_child_rows(migrated_database_url, summary.snapshot_id).values()) == {0}
    assert summary.functions_count == summary.files_count == summary.problems_count == 0


def test_descriptor_of_another_module_is_refused(store: CommittingSnapshotStore) -> None:
    with pytest.raises(InvalidInput):
        store.store_snapshot(SnapshotToStore(key(), rich_descriptor(slug="something-else"), SOURCE))


@pytest.mark.parametrize(
    "unstorable",
    [
        Descriptor(  # Postgres text cannot hold NUL characters
            module_slug=SLUG,
            functions=(ExportedFunction("f", "a.js", "named", False, "nul \x00 inside", None, 0),),
        ),
        Descriptor(  # two files at one path
            module_slug=SLUG,
            functions=(),
            files=(TreeEntry("a.js", EntryKind.FILE, 1, None), TreeEntry("a.js", EntryKind.FILE, 2, None)),
        ),
    ],
)
def test_unstorable_snapshot_fails_typed_and_keeps_the_previous_one(
    store: CommittingSnapshotStore, unstorable: Descriptor
) -> None:
    store.store_snapshot(SnapshotToStore(key(), rich_descriptor(), SOURCE))
    with pytest.raises(InvalidInput):
        store.store_snapshot(SnapshotToStore(key(), unstorable, SOURCE))
    assert store.load_snapshot(key()) == rich_descriptor()  # the failed transaction changed nothing


def test_concurrent_stores_of_one_key_never_mix(migrated_database_url: str) -> None:
    candidates = {"left": large_descriptor("left"), "right": large_descriptor("right")}
    expected = [descriptor_to_dict(d) for d in candidates.values()]
    databases = {label: PostgresDatabase(migrated_database_url) for label in candidates}
    checker_database = PostgresDatabase(migrated_database_url)
    checker = snapshot_store(checker_database)
    try:
        for database in databases.values():
            database.connection()  # connected (and migrated) before the race starts
        for _ in range(4):
            failures = run_together(
                [
                    functools.partial(
                        snapshot_store(databases[label]).store_snapshot,
                        SnapshotToStore(key(), candidates[label], SOURCE),
                    )
                    for label in candidates
                ]
            )
            assert failures == []

            # After every round, not only the last: a mix could be repaired by a later, luckier round.
            assert descriptor_to_dict(checker.load_snapshot(key())) in expected
            (summary,) = checker.list_snapshots(SnapshotSelection(SLUG))
            assert _child_rows(migrated_database_url, summary.snapshot_id) == {
                "functions": 1500,
                "parameters": 4500,
                "return_values": 1500,
                "snapshot_files": 30,
                "scan_problems": 0,
            }
    finally:
        for database in [*databases.values(), checker_database]:
            database.close()


def test_racing_first_stores_of_a_new_key_take_turns_and_neither_is_refused(migrated_database_url: str) -> None:
    # Neither store names a scan moment, so neither can be stale: the loser of the race to insert the key's
    # row must replace the winner's snapshot, not be refused because its moment was read first.
    databases = [PostgresDatabase(migrated_database_url) for _ in range(2)]
    try:
        for database in databases:
            database.connection()
        for round_number in range(150):
            new_key = key(tag=f"v0.0.{round_number}")
            failures = run_together(
                [
                    functools.partial(
                        snapshot_store(database).store_snapshot, SnapshotToStore(new_key, rich_descriptor(), SOURCE)
                    )
                    for database in databases
                ]
            )
            assert failures == [], f"round {round_number}"
    finally:
        for database in databases:
            database.close()


def test_deleting_a_module_row_cascades_to_every_child(
    store: CommittingSnapshotStore, migrated_database_url: str
) -> None:
    doomed = store.store_snapshot(SnapshotToStore(key(), rich_descriptor(), SOURCE))
    kept = store.store_snapshot(SnapshotToStore(key(tag="v1.0.0"), rich_descriptor(), SOURCE))
    kept_rows = _child_rows(migrated_database_url, kept.snapshot_id)

    with psycopg.connect(migrated_database_url) as conn:
        conn.execute("DELETE FROM modules WHERE id = %s", [doomed.snapshot_id])
        orphans = conn.execute(
            "SELECT (SELECT count(*) FROM parameters p WHERE NOT EXISTS "
            "          (SELECT 1 FROM functions f WHERE f.id = p.function_id)) "
            "     + (SELECT count(*) FROM return_values r WHERE NOT EXISTS "
            "          (SELECT 1 FROM functions f WHERE f.id = r.function_id))"
        ).fetchone()

    assert set(_child_rows(migrated_database_url, doomed.snapshot_id).values()) == {0}
    assert orphans == (0,)
    assert _child_rows(migrated_database_url, kept.snapshot_id) == kept_rows
    assert store.load_snapshot(key(tag="v1.0.0")) == rich_descriptor()


def test_reconnects_after_the_connection_breaks(
    postgres_database: PostgresDatabase, migrated_database_url: str
) -> None:
    store = snapshot_store(postgres_database)
    store.store_snapshot(SnapshotToStore(key(), rich_descriptor(), SOURCE))
    old_backend = postgres_database.connection().info.backend_pid

    with psycopg.connect(migrated_database_url, autocommit=True) as admin:
        # As a server restart or an idle timeout would; waits until the backend is gone.
        assert admin.execute("SELECT pg_terminate_backend(%s, 10000)", [old_backend]).fetchone() == (True,)

    assert store.load_snapshot(key()) == rich_descriptor()
    assert postgres_database.connection().info.backend_pid != old_backend
