"""The snapshot-source contract, for every UnitOfWork: a snapshot is replaced only by a scan of the source it was
scanned from, unless the store is told to replace it; unknown sources never block; scopes never meet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotKey, SnapshotSource
from codetracker.errors import SnapshotSourceConflict
from codetracker.ports.snapshot_store import SnapshotSelection, SnapshotToStore

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
LEAFLET = SnapshotSource(
    "leaflet", "https://github.com/Leaflet/Leaflet", "a" * 40, "https://github.com/Leaflet/Leaflet"
)
D3 = SnapshotSource("d3-array", "https://github.com/d3/d3-array.git", "b" * 40, "https://github.com/d3/d3-array")
KEY = SnapshotKey("leaflet", "main", "HEAD")


def descriptor(name: str, slug: str = "leaflet") -> Descriptor:
    return Descriptor(slug, functions=(ExportedFunction(name, "src/index.js", "named", False, None, None, 0),))


def store(factory, key, label, source, at, **options):
    with factory() as uow:
        summary = uow.snapshots.store_snapshot(
            SnapshotToStore(key, descriptor(label, key.module_slug), source, scanned_at=at, **options)
        )
        uow.commit()
    return summary


def stored_names(factory, key):
    with factory(read_only=True) as uow:
        return [f.name for f in uow.snapshots.load_snapshot(key).functions]


def test_a_scan_of_another_source_is_refused_naming_both(unit_of_work):
    first = store(unit_of_work, KEY, "map", LEAFLET, T0)
    assert (first.source_location, first.source_subpath) == ("https://github.com/Leaflet/Leaflet", "")
    with pytest.raises(SnapshotSourceConflict) as refused:
        store(unit_of_work, KEY, "bisect", D3, T0 + timedelta(minutes=1))
    message = str(refused.value)
    assert "https://github.com/Leaflet/Leaflet" in message and "https://github.com/d3/d3-array" in message
    assert stored_names(unit_of_work, KEY) == ["map"]  # untouched
    with unit_of_work(read_only=True) as uow:
        (summary,) = uow.snapshots.list_snapshots(SnapshotSelection("leaflet"))
    assert summary.commit_sha == "a" * 40 and summary.source_location == LEAFLET.location


def test_the_same_source_replaces_and_replace_source_replaces_another(unit_of_work):
    store(unit_of_work, KEY, "map", LEAFLET, T0)
    store(unit_of_work, KEY, "map2", LEAFLET, T0 + timedelta(minutes=1))
    assert stored_names(unit_of_work, KEY) == ["map2"]
    replaced = store(unit_of_work, KEY, "bisect", D3, T0 + timedelta(minutes=2), replace_source=True)
    assert stored_names(unit_of_work, KEY) == ["bisect"]
    assert replaced.source_location == D3.location
    with unit_of_work(read_only=True) as uow:
        assert uow.snapshots.summary_by_id(replaced.snapshot_id).source_location == D3.location


def test_a_sub_folder_is_another_source(unit_of_work):
    whole = SnapshotSource("svelte", "/src/svelte", "c" * 40, "file:///src/svelte")
    package = SnapshotSource("svelte", "/src/svelte/packages/svelte", "c" * 40, "file:///src/svelte", "packages/svelte")
    key = SnapshotKey("svelte", "main", "HEAD")
    store(unit_of_work, key, "compile", whole, T0)
    with pytest.raises(SnapshotSourceConflict, match=r"/src/svelte \(folder packages/svelte\)"):
        store(unit_of_work, key, "mount", package, T0 + timedelta(minutes=1))
    assert stored_names(unit_of_work, key) == ["compile"]


def test_unknown_sources_never_block_and_a_known_one_is_kept(unit_of_work):
    unrecorded = SnapshotSource("leaflet", "/old/path", "d" * 40)  # as stored before sources were recorded
    store(unit_of_work, KEY, "old", unrecorded, T0)
    taken = store(unit_of_work, KEY, "map", LEAFLET, T0 + timedelta(minutes=1))  # the first source recorded
    assert taken.source_location == LEAFLET.location
    kept = store(unit_of_work, KEY, "again", unrecorded, T0 + timedelta(minutes=2))  # an older queue message
    assert stored_names(unit_of_work, KEY) == ["again"] and kept.source_location == LEAFLET.location
    with pytest.raises(SnapshotSourceConflict):
        store(unit_of_work, KEY, "bisect", D3, T0 + timedelta(minutes=3))


def test_scopes_never_meet(unit_of_work):
    store(unit_of_work, KEY, "map", LEAFLET, T0)  # the CLI's scope
    registered = SnapshotKey("leaflet", "main", "HEAD", "repository:0b7c")
    store(unit_of_work, registered, "bisect", D3, T0 + timedelta(minutes=1))  # a registration's scope
    assert stored_names(unit_of_work, KEY) == ["map"] and stored_names(unit_of_work, registered) == ["bisect"]


def test_a_refused_store_leaves_the_unit_of_work_usable(unit_of_work):
    store(unit_of_work, KEY, "map", LEAFLET, T0)
    other = SnapshotKey("d3-array", "main", "HEAD")
    with unit_of_work() as uow:
        with pytest.raises(SnapshotSourceConflict):
            uow.snapshots.store_snapshot(
                SnapshotToStore(KEY, descriptor("bisect"), D3, scanned_at=T0 + timedelta(minutes=1))
            )
        uow.snapshots.store_snapshot(SnapshotToStore(other, descriptor("bisect", "d3-array"), D3, scanned_at=T0))
        uow.commit()
    assert stored_names(unit_of_work, other) == ["bisect"] and stored_names(unit_of_work, KEY) == ["map"]
