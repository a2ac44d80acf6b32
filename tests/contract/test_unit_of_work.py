"""One contract for every UnitOfWork: transactions, snapshot keys and scopes, the stale guard, listings, and
the blob cache. The in-memory fake passes exactly what Postgres passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codetracker.domain.model import (
    Descriptor,
    EntryKind,
    ExportedFunction,
    FileExtraction,
    Parameter,
    ProblemKind,
    ReturnValue,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    TreeEntry,
)
from codetracker.errors import InvalidInput, SnapshotNotFound, StaleSnapshot
from codetracker.ports.snapshot_store import SnapshotCursor, SnapshotSelection, SnapshotToStore

SLUG = "acme"
SOURCE = SnapshotSource(name="acme", folder_path="https://example.com/acme.git", commit_sha="a" * 40)
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def descriptor(label: str = "v1", slug: str = SLUG) -> Descriptor:
    return Descriptor(
        module_slug=slug,
        functions=(
            ExportedFunction(
                name=f"fetch_{label}",
                file_path="src/api.js",
                export_type="named",
                is_async=True,
                description="Fetches «it».",
                jsdoc_raw="/** Fetches it. */",
                order_in_file=0,
                parameters=(
                    Parameter("url", 0, "string", False, False, None, None, "where"),
                    Parameter("rest", 1, "any[]", False, True, None, None, None),
                ),
                return_values=(ReturnValue("Promise<Item>", None),),
            ),
            ExportedFunction("default", "src/api.js", "default", False, None, None, 1),
            ExportedFunction("b", "B.js", "named", False, None, None, 0),
        ),
        files=(
            TreeEntry("B.js", EntryKind.FILE, 10, "b" * 40),
            TreeEntry("src/api.js", EntryKind.FILE, None, "c" * 40),
            TreeEntry("link.js", EntryKind.SYMLINK, 3, "d" * 40),
        ),
        problems=(ScanProblem("bad.js", ProblemKind.PARSE_ERROR, "Unexpected token", 1, 2),),
    )


def as_stored(d: Descriptor) -> Descriptor:
    """What a load returns: functions by (file, order), files by path."""
    return Descriptor(
        d.module_slug,
        tuple(sorted(d.functions, key=lambda f: (f.file_path, f.order_in_file))),
        tuple(sorted(d.files, key=lambda e: e.path)),
        d.problems,
    )


def key(branch: str = "main", tag: str = "HEAD", scope: str = "local", slug: str = SLUG) -> SnapshotKey:
    return SnapshotKey(slug, branch, tag, scope)


def store(factory, k: SnapshotKey, d: Descriptor, *, scanned_at: datetime | None = None):
    with factory() as uow:
        summary = uow.snapshots.store_snapshot(SnapshotToStore(k, d, SOURCE, scanned_at=scanned_at))
        uow.commit()
    return summary


def load(factory, k: SnapshotKey) -> Descriptor:
    with factory(read_only=True) as uow:
        return uow.snapshots.load_snapshot(k)


def test_committed_work_is_read_back_whole(factories):
    first, second = factories
    summary = store(first, key(), descriptor())
    assert load(second, key()) == as_stored(descriptor())
    assert (summary.functions_count, summary.parameters_count, summary.return_values_count) == (3, 2, 1)
    assert (summary.files_count, summary.problems_count, summary.scope) == (3, 1, "local")
    with second(read_only=True) as uow:
        assert uow.snapshots.list_snapshots(SnapshotSelection(SLUG)) == [summary]


def test_leaving_without_commit_rolls_back(factories):
    first, second = factories
    with first() as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(key(), descriptor(), SOURCE))
        uow.blob_cache.put_many({"1" * 40: FileExtraction(blob_size=1)}, "v")
    with pytest.raises(SnapshotNotFound):
        load(second, key())
    with second() as uow:
        assert uow.blob_cache.get_many(["1" * 40], "v") == {}


def test_an_exception_in_the_unit_rolls_everything_back(factories):
    first, second = factories
    store(first, key(), descriptor("kept"))
    with pytest.raises(RuntimeError), first() as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(key(), descriptor("lost"), SOURCE))
        uow.blob_cache.put_many({"2" * 40: FileExtraction(blob_size=2)}, "v")
        raise RuntimeError("crash between the writes and the commit")
    assert load(second, key()) == as_stored(descriptor("kept"))
    with second() as uow:
        assert uow.blob_cache.get_many(["2" * 40], "v") == {}


def test_snapshot_and_cache_commit_together(factories):
    first, second = factories
    with first() as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(key(), descriptor(), SOURCE))
        uow.blob_cache.put_many({"3" * 40: FileExtraction(blob_size=3)}, "v")
        uow.commit()
    with second() as uow:
        assert uow.blob_cache.get_many(["3" * 40], "v") == {"3" * 40: FileExtraction(blob_size=3)}
        assert uow.snapshots.load_snapshot(key()) == as_stored(descriptor())


def test_storing_replaces_only_that_key_and_keeps_its_id(unit_of_work):
    first = store(unit_of_work, key(), descriptor("one"))
    others = {key(tag="v1"): descriptor("tag"), key(branch="dev"): descriptor("dev")}
    for k, d in others.items():
        store(unit_of_work, k, d)
    again = store(unit_of_work, key(), descriptor("two"))
    assert again.snapshot_id == first.snapshot_id
    assert load(unit_of_work, key()) == as_stored(descriptor("two"))
    for k, d in others.items():
        assert load(unit_of_work, k) == as_stored(d)


def test_scopes_never_share_a_snapshot(unit_of_work):
    # Two registrations of repositories that slugify alike: same slug, branch and tag, different owners.
    a = store(unit_of_work, key(scope="repository:a"), descriptor("a"))
    b = store(unit_of_work, key(scope="repository:b"), descriptor("b"))
    assert a.snapshot_id != b.snapshot_id
    assert load(unit_of_work, key(scope="repository:a")) == as_stored(descriptor("a"))
    assert load(unit_of_work, key(scope="repository:b")) == as_stored(descriptor("b"))
    with pytest.raises(SnapshotNotFound):
        load(unit_of_work, key())  # the default scope holds nothing
    with unit_of_work(read_only=True) as uow:
        assert [s.scope for s in uow.snapshots.list_snapshots(SnapshotSelection(SLUG, scope="repository:a"))] == [
            "repository:a"
        ]
        assert uow.snapshots.list_snapshots(SnapshotSelection(SLUG)) == []


def test_an_older_scan_never_replaces_a_newer_one(unit_of_work):
    newer = store(unit_of_work, key(), descriptor("newer"), scanned_at=T0)
    with pytest.raises(StaleSnapshot) as stale:
        store(unit_of_work, key(), descriptor("older"), scanned_at=T0 - timedelta(seconds=1))
    assert stale.value.stored == newer
    assert load(unit_of_work, key()) == as_stored(descriptor("newer"))
    # The same scan delivered twice replaces (with the same content): redelivery is harmless.
    assert store(unit_of_work, key(), descriptor("newer"), scanned_at=T0).snapshot_id == newer.snapshot_id
    later = store(unit_of_work, key(), descriptor("later"), scanned_at=T0 + timedelta(seconds=1))
    assert datetime.fromisoformat(later.last_scanned_at) == T0 + timedelta(seconds=1)


def test_a_store_naming_no_scan_moment_is_never_stale(unit_of_work):
    # Its moment is the store's own, never earlier than the stored one's: even past a scanner clock running
    # ahead of the store's, it replaces.
    ahead = store(unit_of_work, key(), descriptor("ahead"), scanned_at=datetime.now(UTC) + timedelta(days=1))
    replaced = store(unit_of_work, key(), descriptor("now"))
    assert replaced.snapshot_id == ahead.snapshot_id
    assert datetime.fromisoformat(replaced.last_scanned_at) >= datetime.fromisoformat(ahead.last_scanned_at)
    assert load(unit_of_work, key()) == as_stored(descriptor("now"))


def test_listings_page_in_key_order(unit_of_work):
    keys = [key("main", "v2"), key("dev", "HEAD"), key("main", "HEAD"), key("main", "v1"), key(slug="zzz")]
    for k in keys:
        store(unit_of_work, k, descriptor(slug=k.module_slug))
    with unit_of_work(read_only=True) as uow:
        everything = [(s.module_slug, s.branch_name, s.release_tag) for s in uow.snapshots.list_snapshots()]
        first_page = uow.snapshots.list_snapshots(SnapshotSelection(limit=2))
        rest = uow.snapshots.list_snapshots(SnapshotSelection(after=SnapshotCursor(*everything[1])))
        main_only = uow.snapshots.list_snapshots(SnapshotSelection(SLUG, "main"))
    assert everything == sorted(everything) and len(everything) == 5
    assert [(s.module_slug, s.branch_name, s.release_tag) for s in first_page] == everything[:2]
    assert [(s.module_slug, s.branch_name, s.release_tag) for s in rest] == everything[2:]
    assert [s.release_tag for s in main_only] == ["HEAD", "v1", "v2"]


@pytest.mark.parametrize(
    "unstorable",
    [
        Descriptor(SLUG, (ExportedFunction("f", "a.js", "named", False, "nul \x00", None, 0),)),
        Descriptor(SLUG, (), files=(TreeEntry("a.js", EntryKind.FILE, 1, None),) * 2),
        Descriptor("another-module", ()),
    ],
)
def test_unstorable_snapshots_are_invalid_input_and_change_nothing(unit_of_work, unstorable):
    store(unit_of_work, key(), descriptor())
    with pytest.raises(InvalidInput):
        store(unit_of_work, key(), unstorable)
    assert load(unit_of_work, key()) == as_stored(descriptor())


def test_blob_cache_keeps_the_first_result_per_version(unit_of_work):
    sha = "4" * 40
    with unit_of_work() as uow:
        uow.blob_cache.put_many({sha: FileExtraction(blob_size=1)}, "v1")
        uow.blob_cache.put_many({sha: FileExtraction(blob_size=2)}, "v1")
        uow.blob_cache.put_many({sha: FileExtraction(blob_size=3)}, "v2")
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        assert uow.blob_cache.get_many([sha, "5" * 40], "v1") == {sha: FileExtraction(blob_size=1)}
        assert uow.blob_cache.get_many([sha], "v2") == {sha: FileExtraction(blob_size=3)}
