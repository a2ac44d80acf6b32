"""What the reconciler marks as gone from the remote: unmarked snapshots of the registration's slug whose
branch or tag the remote no longer lists; never a commit's snapshot (filed under its sha), never one already
marked."""

from __future__ import annotations

from datetime import UTC, datetime

from codetracker.domain.model import SnapshotSummary
from codetracker.domain.registry import Registration, RepositoryStatus
from codetracker.ports.git import RemoteRefs
from codetracker.usecases.watching import gone_from_remote

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def summary(branch: str, tag: str, *, slug: str = "lib", removed: str | None = None) -> SnapshotSummary:
    return SnapshotSummary(slug, 1, branch, tag, None, 0, 0, 0, removed_from_remote_at=removed)


def test_only_unmarked_snapshots_of_refs_the_remote_lost():
    registration = Registration(
        "r", "a", "https://example.com/o/lib", "https://example.com/o/lib", "lib", "main", None, None, None,
        RepositoryStatus.SYNCED, None, None, None, NOW, NOW,
    )  # fmt: skip
    remote = RemoteRefs("main", {"main": "a" * 40, "release/2.x": "b" * 40}, {"v2.0.0": "c" * 40})
    snapshots = [
        summary("main", "HEAD"),
        summary("release/2.x", "HEAD"),
        summary("release/1.x", "HEAD"),  # gone
        summary("main", "v2.0.0"),
        summary("main", "v1.0.0"),  # gone
        summary("release/1.x", "v1.0.0"),  # the same tag under another branch: one ref
        summary("main", "0" * 40),  # a commit's snapshot
        summary("main", "v0.9.0", removed=NOW.isoformat()),  # marked already
        summary("main", "v0.1.0", slug="other"),  # another module
    ]
    assert gone_from_remote(registration, remote, snapshots) == [("branch", "release/1.x"), ("tag", "v1.0.0")]
