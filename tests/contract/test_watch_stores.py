"""The stores' part of watching, against Postgres and the in-memory fake: a registration keeps its branch and
tag patterns, and the snapshots of a ref deleted on the remote are marked (not deleted), until a new scan of
that ref is stored."""

from __future__ import annotations

import uuid
from datetime import timedelta

from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.registry import registration_scope
from codetracker.domain.watch import DEFAULT_TAG_PATTERNS
from tests.contract.test_service_stores import T0, _descriptor, add, app, registration
from codetracker.ports.snapshot_store import SnapshotSelection, SnapshotToStore


def test_a_registration_keeps_its_patterns_and_defaults_to_the_semver_tags(unit_of_work):
    a = app()
    plain = registration(a.id)
    patterned = registration(
        a.id, "https://example.com/o/p", branch_patterns=("main", "release/*"), tag_patterns=("v*", "*@*")
    )
    add(unit_of_work, a, plain, patterned)
    with unit_of_work(read_only=True) as uow:
        assert uow.registrations.get(a.id, plain.id).tag_patterns == DEFAULT_TAG_PATTERNS == (":semver",)
        assert uow.registrations.get(a.id, plain.id).branch_patterns == ()
        found = uow.registrations.get(a.id, patterned.id)
    assert found == patterned and found.branch_patterns == ("main", "release/*")


def test_a_deleted_ref_marks_its_snapshots_until_a_new_scan_is_stored(unit_of_work):
    scope, other = registration_scope(str(uuid.uuid4())), registration_scope(str(uuid.uuid4()))
    keys = {
        "branch": SnapshotKey("m", "feature/x", "HEAD", scope),
        "main": SnapshotKey("m", "main", "HEAD", scope),
        "tag": SnapshotKey("m", "main", "v1.0.0", scope),
        "tag elsewhere": SnapshotKey("m", "trunk", "v1.0.0", scope),
        "other slug": SnapshotKey("n", "main", "v1.0.0", scope),
        "other scope": SnapshotKey("m", "main", "v1.0.0", other),
    }
    with unit_of_work() as uow:
        for key in keys.values():
            uow.snapshots.store_snapshot(
                SnapshotToStore(key, _descriptor(key.module_slug, 1), SnapshotSource(key.module_slug))
            )
        uow.commit()
    at = T0 + timedelta(days=3)
    with unit_of_work() as uow:
        assert (
            uow.snapshots.mark_removed_from_remote(scope, "m", branch_name="feature/x", release_tag="HEAD", at=at) == 1
        )
        assert uow.snapshots.mark_removed_from_remote(scope, "m", branch_name=None, release_tag="v1.0.0", at=at) == 2
        # Marked once: a second deletion event keeps the first moment.
        later = at + timedelta(hours=1)
        assert uow.snapshots.mark_removed_from_remote(scope, "m", branch_name=None, release_tag="v1.0.0", at=later) == 0
        uow.commit()

    def removed() -> dict[str, str | None]:
        with unit_of_work(read_only=True) as uow:
            found = {
                s.key: s.removed_from_remote_at
                for sc in (scope, other)
                for s in uow.snapshots.list_snapshots(SnapshotSelection(scope=sc))
            }
        return {name: found[key] for name, key in keys.items()}

    marks = removed()
    moment = at.isoformat()
    assert {k for k, v in marks.items() if v is not None} == {"branch", "tag", "tag elsewhere"}
    assert marks["branch"] == marks["tag"] == moment
    with unit_of_work(read_only=True) as uow:
        by_id = uow.snapshots.summary_by_id(
            uow.snapshots.list_snapshots(SnapshotSelection("m", "main", "v1.0.0", scope=scope))[0].snapshot_id
        )
    assert by_id is not None and by_id.removed_from_remote_at == moment
    # The tag comes back and is scanned: its snapshot is current again; the other one stays marked.
    with unit_of_work() as uow:
        stored = uow.snapshots.store_snapshot(SnapshotToStore(keys["tag"], _descriptor("m", 2), SnapshotSource("m")))
        uow.commit()
    assert stored.removed_from_remote_at is None
    marks = removed()
    assert marks["tag"] is None and marks["tag elsewhere"] == moment and marks["branch"] == moment
