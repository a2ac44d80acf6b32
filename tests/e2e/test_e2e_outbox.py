"""The race of issue 16 through `codetracker dev`, as it was found: the reconciler (every 2 s) queues a scan
for each of 40 tags and the branch while the scanners consume. With the outbox no scanner meets a message
before its job ("not stored" never logged), every job ends `done`, and the repository's commit is its
branch's, not the last tag scanned."""

from __future__ import annotations

import sys

import pytest

from codetracker.local.launcher import DevProcess
from tests.e2e.conftest import FAST_ARGS, REPO_ROOT, create_app, dev_env, library, register, wait_until

pytestmark = pytest.mark.skipif(not (REPO_ROOT / "functions" / "scanner" / "app.py").exists(),
                                reason="the queue pipeline (issue 10) is not in this tree")  # fmt: skip

TAGS = 40


def test_a_reconciler_queuing_40_tags_while_scanners_consume_finds_every_job_committed(tmp_path, make_repo):
    repo = make_repo("outbox")
    old = repo.commit(library(1))
    # Semantic versions (no leading zeros: `v1.05.0` is none), so the default tag pattern `:semver` watches all.
    for n in range(TAGS):
        repo.builder.tag(f"v1.{n}.0", old)
    head = repo.commit(library(2, "later"))
    at = FAST_ARGS.index("--reconcile-every")
    args = [*FAST_ARGS[:at], "--reconcile-every", "2s", *FAST_ARGS[at + 2 :]]
    env = dev_env(tmp_path, CODE_TRACKER_RECONCILE_MAX_SCANS="50")
    dev = DevProcess(env=env, args=args, log_path=tmp_path / "dev.log", python=sys.executable, cwd=REPO_ROOT).start()
    try:
        app = create_app(dev, "outbox")
        registered = register(dev, app, repo)

        def all_done():
            jobs = dev.request("GET", f"/repositories/{registered['id']}/jobs?limit=100", token=app.token).json
            done = [j for j in jobs["items"] if j["status"] == "done"]
            # Every job finished, not just TAGS + 1 of them: a full run (two xdist workers) once read a 42nd job,
            # a second scan of the branch, half-way ("persisting") and failed on that instead of on what it was.
            settled = all(j["status"] in ("done", "failed") for j in jobs["items"])
            return jobs["items"] if settled and len(done) >= TAGS + 1 else None

        jobs = wait_until(all_done, timeout_s=600, what=f"{TAGS + 1} jobs done and none running")
        log = dev.log_text()
        before_commit = log.count("is not stored")
        print(f"messages before commit: {before_commit}; jobs: {len(jobs)}")
        assert before_commit == 0
        assert {j["status"] for j in jobs} == {"done"}, [(j["ref"], j["status"], j.get("error")) for j in jobs]
        assert sum(j["trigger"] == "schedule" for j in jobs) == TAGS
        repository = dev.request("GET", f"/repositories/{registered['id']}", token=app.token).json
        assert repository["status"] == "synced" and repository["last_scanned_commit"] == head
    finally:
        dev.stop()
