"""The stores' part of packages, against Postgres and the in-memory fake: a package's snapshot records the scan
it was stored with, and the packages of that scan found gone at a branch and release are marked removed from
the tree (not deleted), until that package is stored again; the tree's whole-tree snapshot of before is
superseded the same way, unless one of its packages (a lone root package) keeps its slug."""

from __future__ import annotations

import uuid
from datetime import timedelta

from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.registry import registration_scope
from tests.contract.test_service_stores import T0, _descriptor
from codetracker.ports.snapshot_store import PresentPackages, SnapshotSelection, SnapshotToStore


def test_gone_packages_are_marked_until_stored_again(unit_of_work):
    scope = registration_scope(str(uuid.uuid4()))
    stored = {
        "a": ("repo", "main", "HEAD"),
        "b": ("repo", "main", "HEAD"),
        "b at a tag": ("repo", "main", "1.0.0"),
        "b of another tree": ("other", "main", "HEAD"),
        "whole tree": (None, "main", "HEAD"),
    }
    keys = {}
    with unit_of_work() as uow:
        for name, (package_of, branch, release) in stored.items():
            slug = {"a": "a", "whole tree": "repo"}.get(name, "b")
            key = keys[name] = SnapshotKey(slug, branch, release, scope)
            if name == "b of another tree":
                key = keys[name] = SnapshotKey("c", branch, release, scope)
            uow.snapshots.store_snapshot(
                SnapshotToStore(key, _descriptor(key.module_slug, 1), SnapshotSource(slug), package_of=package_of)
            )
        uow.commit()
    at = T0 + timedelta(days=2)
    with unit_of_work() as uow:
        marked = uow.snapshots.mark_packages_removed(
            PresentPackages(
                scope, "repo", branch_name="main", release_tag="HEAD", present=("a",), commit_sha="c" * 40, at=at
            )
        )
        # Marked once: the next scan without it keeps the first moment.
        again = uow.snapshots.mark_packages_removed(
            PresentPackages(
                scope, "repo", branch_name="main", release_tag="HEAD", present=("a",), commit_sha="d" * 40, at=at
            )
        )
        uow.commit()
    # The whole-tree snapshot of the same tree (stored before it had packages, under the scan's slug) is
    # superseded by the packages: marked too, so it never looks current beside them.
    assert [(s.module_slug, s.removed_from_tree_at, s.removed_from_tree_commit) for s in marked] == [
        ("b", at.isoformat(), "c" * 40),
        ("repo", at.isoformat(), "c" * 40),
    ]
    assert again == []
    with unit_of_work(read_only=True) as uow:
        found = {s.key: s for s in uow.snapshots.list_snapshots(SnapshotSelection(scope=scope))}
    assert {n for n, k in keys.items() if found[k].removed_from_tree_at is not None} == {"b", "whole tree"}
    assert found[keys["a"]].package_of == "repo" and found[keys["whole tree"]].package_of is None
    # b comes back: stored again, its mark is cleared.
    with unit_of_work() as uow:
        back = uow.snapshots.store_snapshot(
            SnapshotToStore(keys["b"], _descriptor("b", 2), SnapshotSource("b"), package_of="repo")
        )
        uow.commit()
    assert back.removed_from_tree_at is None and back.package_of == "repo"
    with unit_of_work(read_only=True) as uow:
        summary = uow.snapshots.list_snapshots(SnapshotSelection("b", "main", "HEAD", scope=scope))[0]
    assert (summary.removed_from_tree_at, summary.removed_from_tree_commit) == (None, None)


def test_a_whole_tree_snapshot_whose_slug_a_package_keeps_is_not_marked(unit_of_work):
    scope = registration_scope(str(uuid.uuid4()))
    key = SnapshotKey("repo", "main", "HEAD", scope)
    with unit_of_work() as uow:
        uow.snapshots.store_snapshot(SnapshotToStore(key, _descriptor("repo", 1), SnapshotSource("repo")))
        marked = uow.snapshots.mark_packages_removed(
            PresentPackages(
                scope, "repo", branch_name="main", release_tag="HEAD", present=("repo",), commit_sha=None, at=T0
            )
        )
        other_branch = uow.snapshots.mark_packages_removed(
            PresentPackages(
                scope, "repo", branch_name="dev", release_tag="HEAD", present=("a",), commit_sha=None, at=T0
            )
        )
        uow.commit()
    assert marked == [] and other_branch == []
