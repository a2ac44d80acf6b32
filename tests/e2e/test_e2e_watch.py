"""Watching through `codetracker dev` with its reconciler every 2 s: a registration with branch and tag patterns
gets its watched branches and releases backfilled (newest first, a few per run) with no webhook at all; a push
to an unwatched branch is recorded as ignored with the reason; a deleted tag marks its snapshot."""

from __future__ import annotations

import json
import sys

import pytest

from codetracker.local.launcher import DevProcess
from tests.e2e.conftest import (
    FAST_ARGS,
    REPO_ROOT,
    create_app,
    dev_env,
    library,
    push_body,
    send_webhook,
    wait_until,
)

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "functions" / "reconciler" / "app.py").exists(),
                                reason="the reconciler is not in this tree")  # fmt: skip


@pytest.fixture
def reconciling_dev(tmp_path):
    args = list(FAST_ARGS)
    args[args.index("--reconcile-every") + 1] = "2s"
    base = tmp_path / "dev-watch"
    base.mkdir()
    process = DevProcess(env=dev_env(base, CODE_TRACKER_RECONCILE_MAX_SCANS="3"), args=args,
                         log_path=base / "dev.log", python=sys.executable, cwd=REPO_ROOT).start()  # fmt: skip
    try:
        yield process
    finally:
        process.stop()


def test_branches_and_releases_are_backfilled_and_followed(reconciling_dev, make_repo):
    dev = reconciling_dev
    repo = make_repo("watch")
    first = repo.commit(library(1))
    tags = [f"v1.{minor}.0" for minor in range(12)]  # v1.10.0 and v1.11.0 are the newest
    for tag in tags:
        repo.builder.tag(tag, first)
    repo.builder.tag("nightly", first)
    repo.builder.branch("release/1.x", first)
    repo.builder.branch("feature/x", first)
    app = create_app(dev, "watch")
    answer = dev.request("POST", "/repositories", token=app.token,
                         json_body={"url": repo.url, "branches": ["release/*"]})  # fmt: skip
    assert answer.status == 201 and answer.json["tags"] == [":semver"], answer.body
    rid = answer.json["id"]

    def stored() -> set[tuple[str, str]]:
        items = dev.request("GET", f"/repositories/{rid}/snapshots?limit=200", token=app.token).json["items"]
        return {(s["branch_name"], s["release_tag"]) for s in items}

    expected = {("main", "HEAD"), ("release/1.x", "HEAD")} | {("main", t) for t in tags}
    wait_until(lambda: stored() >= expected, timeout_s=120, what="every watched ref stored")
    assert stored() == expected  # nightly and feature/x are not watched
    jobs = dev.request("GET", f"/repositories/{rid}/jobs?limit=200", token=app.token).json["items"]
    scheduled = [j["ref"] for j in sorted(jobs, key=lambda j: j["created_at"]) if j["trigger"] == "schedule"]
    tag_order = [r.removeprefix("refs/tags/") for r in scheduled if r.startswith("refs/tags/")]
    assert tag_order[:2] == ["v1.11.0", "v1.10.0"], scheduled  # newest release first, not name order

    ignored = send_webhook(dev, push_body(repo, "refs/heads/feature/x", first))
    assert ignored.status == 202 and ignored.json["outcome"] == "ignored", ignored.body
    activity = dev.request("GET", f"/repositories/{rid}/activity", token=app.token).json["items"]
    assert "branch feature/x is not watched (watching branches main, release/*)" in activity[0]["details"]

    payload = {"ref": "v1.0.0", "ref_type": "tag", "pusher_type": "user",
               "repository": json.loads(push_body(repo, "refs/heads/main", first))["repository"]}  # fmt: skip
    assert send_webhook(dev, json.dumps(payload).encode(), event="delete").status == 202
    items = dev.request("GET", f"/repositories/{rid}/snapshots?limit=200", token=app.token).json["items"]
    removed = {s["release_tag"] for s in items if s["removed_from_remote_at"]}
    assert removed == {"v1.0.0"}
