"""Watching over the whole pipeline (git over HTTP, moto SQS, Postgres, the real handlers): the reconciler
queues the registration's watched branches and tags, tags newest release first by semver precedence (where
name order would put v1.9.0 above v1.10.0), at most `max_scans` per repository per run, and leaves unwatched
refs alone; the backfilled snapshots are stored under the repository's default branch. Refs deleted on the
remote without a webhook get their snapshots marked removed."""

from __future__ import annotations

from tests.integration.pipeline.test_reconcile_retention import _reconcile
from tests.support.api_events import http_event
from tests.support.git_repos import RepoBuilder


def test_the_reconciler_backfills_watched_refs_newest_release_first_at_a_bounded_rate(pipeline, app, http_repo):
    with RepoBuilder.open(http_repo.path) as builder:
        for tag in ("v1.9.0", "v1.10.0", "v2.0.0-rc.1", "v2.0.0", "core@3.0.0", "nightly"):
            builder.tag(tag, http_repo.v1, annotated=tag == "v2.0.0")
        builder.branch("release/1.x", http_repo.v1)
        builder.branch("release/2.x/fix", http_repo.v1)
        builder.branch("feature/y", http_repo.v1)
    registered = pipeline.register(app["token"], http_repo.url, branches=["release/*"])
    assert registered["tags"] == [":semver"]

    runs = []
    for run in range(4):
        report = _reconcile(pipeline, max_scans=2)
        if run == 0:  # the registration's scan (of HEAD, the default branch) is under way: main gets no second
            assert report.already_active == 1
        queued = pipeline.rows(
            "SELECT ref FROM jobs WHERE trigger = 'schedule' ORDER BY created_at, ref OFFSET %s",
            sum(len(r) for r in runs),
        )
        runs.append([ref for (ref,) in queued])
        assert report.scans_queued == len(runs[-1])
    # A run's scans are still queued when the next runs: it skips them and takes the next two.
    assert runs == [
        ["refs/heads/release/1.x", "refs/tags/core@3.0.0"],
        ["refs/tags/v2.0.0", "refs/tags/v2.0.0-rc.1"],
        ["refs/tags/v1.10.0", "refs/tags/v1.9.0"],
        [],
    ]
    pipeline.drain()
    snapshots = pipeline.get(app["token"], f"/repositories/{registered['id']}/snapshots")["items"]
    assert sorted((s["branch_name"], s["release_tag"]) for s in snapshots) == [
        ("main", "HEAD"),
        ("main", "core@3.0.0"),
        ("main", "v1.10.0"),
        ("main", "v1.9.0"),
        ("main", "v2.0.0"),
        ("main", "v2.0.0-rc.1"),
        ("release/1.x", "HEAD"),
    ]
    assert _reconcile(pipeline, max_scans=2).scans_queued == 0  # nightly, feature/y, release/2.x/fix: unwatched

    # Watching every tag from now on (PATCH): the next run takes the one left.
    status, _ = pipeline.api(
        http_event(
            "PATCH",
            f"/repositories/{registered['id']}",
            headers={"authorization": f"Bearer {app['token']}"},
            body='{"tags": ["**"]}',
        )
    )
    assert status == 200
    report = _reconcile(pipeline, max_scans=2)
    assert report.scans_queued == 1
    assert pipeline.rows("SELECT ref FROM jobs ORDER BY created_at DESC LIMIT 1") == [("refs/tags/nightly",)]
    pipeline.drain()

    # Deleted on the remote without a webhook: the reconciler marks their snapshots, once, and deletes nothing.
    with RepoBuilder.open(http_repo.path) as builder:
        del builder.repo.refs[b"refs/tags/v1.9.0"]
        del builder.repo.refs[b"refs/heads/release/1.x"]
    report = _reconcile(pipeline, max_scans=2)
    assert (report.marked_removed, report.scans_queued) == (2, 0)
    assert _reconcile(pipeline, max_scans=2).marked_removed == 0
    snapshots = pipeline.get(app["token"], f"/repositories/{registered['id']}/snapshots")["items"]
    removed = {(s["branch_name"], s["release_tag"]) for s in snapshots if s["removed_from_remote_at"]}
    assert removed == {("main", "v1.9.0"), ("release/1.x", "HEAD")} and len(snapshots) == 8
