"""A package's public API stored with its snapshot, against Postgres and the in-memory fake: it comes back as
stored, a store of the key replaces it whole (a snapshot without one has none), a rolled-back store leaves the
previous one, and the function records it names are marked public in the descriptor."""

from __future__ import annotations

import uuid
from dataclasses import replace

from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.domain.model import (
    PackageApi,
    PackageEntryPoint,
    PublicFunction,
    SnapshotKey,
    SnapshotSource,
    UnknownExport,
)
from codetracker.domain.registry import registration_scope
from tests.contract.test_service_stores import _descriptor
from codetracker.ports.snapshot_store import SnapshotToStore

API_V1 = PackageApi(
    entry_points=(
        PackageEntryPoint(".", ("node", "import"), "src/0.js"),
        PackageEntryPoint("./extra", ("default",), "src/1.js"),
        PackageEntryPoint("./dist", ("import",), None),
    ),
    public_functions=(
        PublicFunction(".", "first", "src/0.js", "f0"),
        PublicFunction(".", "again", "src/0.js", "f0"),  # one function under two export names
        PublicFunction("./extra", "f1", "src/1.js", "f1"),
    ),
    unknown_exports=(UnknownExport(".", "shuffle", "the value of a call: shuffler(random)"),),
)
API_V2 = PackageApi(
    entry_points=(PackageEntryPoint(".", ("default",), "src/2.js"),),
    public_functions=(PublicFunction(".", "f2", "src/2.js", "f2"),),
)


def _key() -> SnapshotKey:
    return SnapshotKey("pkg", "main", "HEAD", registration_scope(str(uuid.uuid4())))


def _load(unit_of_work, key: SnapshotKey):
    with unit_of_work(read_only=True) as uow:
        return uow.snapshots.load_snapshot(key)


def test_public_api_round_trips_and_marks_its_functions_public(unit_of_work):
    key = _key()
    with unit_of_work() as uow:
        uow.snapshots.store_snapshot(
            SnapshotToStore(key, replace(_descriptor("pkg", 4), public_api=API_V1), SnapshotSource("pkg"))
        )
        uow.commit()
    loaded = _load(unit_of_work, key)
    assert loaded.public_api == API_V1
    flags = {(f["file_path"], f["name"]): f["public"] for f in descriptor_to_dict(loaded)["functions"]}
    assert flags == {
        ("src/0.js", "f0"): True,
        ("src/1.js", "f1"): True,
        ("src/2.js", "f2"): False,
        ("src/0.js", "f3"): False,
    }


def test_storing_the_key_again_replaces_the_public_api_whole(unit_of_work):
    key = _key()
    for api in (API_V1, API_V2, None, API_V1):
        with unit_of_work() as uow:
            uow.snapshots.store_snapshot(
                SnapshotToStore(key, replace(_descriptor("pkg", 4), public_api=api), SnapshotSource("pkg"))
            )
            uow.commit()
        loaded = _load(unit_of_work, key)
        assert loaded.public_api == api
        # Without a public API, the descriptor says nothing of public functions (not "none is public").
        assert all(("public" in f) == (api is not None) for f in descriptor_to_dict(loaded)["functions"])


def test_a_store_left_without_commit_keeps_the_previous_public_api(unit_of_work):
    key = _key()
    with unit_of_work() as uow:
        uow.snapshots.store_snapshot(
            SnapshotToStore(key, replace(_descriptor("pkg", 4), public_api=API_V1), SnapshotSource("pkg"))
        )
        uow.commit()
    with unit_of_work() as uow:
        uow.snapshots.store_snapshot(
            SnapshotToStore(key, replace(_descriptor("pkg", 4), public_api=API_V2), SnapshotSource("pkg"))
        )
    assert _load(unit_of_work, key).public_api == API_V1


def test_public_apis_of_two_keys_stay_apart(unit_of_work):
    first, second = _key(), replace(_key(), module_slug="other")
    with unit_of_work() as uow:
        uow.snapshots.store_snapshot(
            SnapshotToStore(first, replace(_descriptor("pkg", 4), public_api=API_V1), SnapshotSource("pkg"))
        )
        uow.snapshots.store_snapshot(
            SnapshotToStore(second, replace(_descriptor("other", 4), public_api=API_V2), SnapshotSource("other"))
        )
        uow.commit()
    assert (_load(unit_of_work, first).public_api, _load(unit_of_work, second).public_api) == (API_V1, API_V2)


def test_load_public_api_by_id_gives_the_records_its_public_functions_name(unit_of_work):
    key, plain = _key(), replace(_key(), module_slug="plain")
    with unit_of_work() as uow:
        summary = uow.snapshots.store_snapshot(
            SnapshotToStore(key, replace(_descriptor("pkg", 4), public_api=API_V1), SnapshotSource("pkg"))
        )
        without = uow.snapshots.store_snapshot(SnapshotToStore(plain, _descriptor("plain", 2), SnapshotSource("plain")))
        uow.commit()
    with unit_of_work(read_only=True) as uow:
        api, functions = uow.snapshots.load_public_api(summary.snapshot_id)
        assert uow.snapshots.load_public_api(without.snapshot_id) is None
        assert uow.snapshots.load_public_api(summary.snapshot_id + without.snapshot_id + 1000) is None
    assert api == API_V1
    # f0 under two names is one record; f2 and f3 are deep imports, not listed. Parameters come along.
    assert [(f.file_path, f.name, [p.name for p in f.parameters]) for f in functions] == [
        ("src/0.js", "f0", ["x"]),
        ("src/1.js", "f1", ["x"]),
    ]
