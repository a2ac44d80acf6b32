"""Time to the current release of a repository with 1,000 release tags, registered with the default watch.

The repository is built with dulwich (tests.support.git_repos): a small ES module package over 50 commits,
tagged v1.0.0 … v10.9.9 (majors 1-10, minors 0-9, patches 0-9; every other tag annotated), so the newest
release, v10.9.9, is one that name order would put last among the majors (`v9…` > `v10…`). It is served by
`git http-backend` on 127.0.0.1.

The pipeline runs in this process as tests/support/pipeline.py drives it: the real handlers, Postgres (the
bench's), SQS and S3 in moto; the scan queue is read one message at a time (the template's BatchSize: 1).

Measured, from `POST /repositories` (default watch: its default branch, tags `:semver`):
1. the api answer;
2. one reconciler run, as the schedule fires it (ls-remote of 1,000 tags without objects, semver ordering,
   the first `max_scans` (10) tag scans queued, newest release first);
3. scans and persists until the snapshot of v10.9.9 is stored (the registration's scan of main first, as it
   was queued first).
The total is the time to the current release when the reconciler runs right after the registration; in a
deployment add the wait for its next run (at most the ReconcileSchedule period, 15 minutes by default). The
rest of the backfill takes 100 runs of 10.
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

from common import CACHE, BenchResult, log

MAJORS, MINORS, PATCHES, COMMITS = range(1, 11), range(10), range(10), 50
NEWEST = "v10.9.9"
MAX_SCANS = 10
TARGET_S = 60.0  # processing time to the current release, the schedule's wait left out


def _build(path) -> int:
    from tests.support.git_repos import RepoBuilder

    tags = [f"v{a}.{b}.{c}" for a in MAJORS for b in MINORS for c in PATCHES]
    with RepoBuilder.create(path) as builder:
        commits = []
        for n in range(COMMITS):
            files = {
                "package.json": b'{"name": "many-tags", "type": "module"}\n',
                "src/index.mjs": f"/** @param {{number}} x */\nexport function f{n}(x) {{ return x; }}\n".encode(),
                "src/util.mjs": b"export const twice = (x, y = 2) => x * y;\n",
            }
            commits.append(builder.commit(files, message=f"commit {n}"))
        builder.set_head("main")
        for i, tag in enumerate(tags):
            builder.tag(tag, commits[i * COMMITS // len(tags)], annotated=i % 2 == 0)
    return len(tags)


def run(ctx: Any) -> BenchResult:
    import pytest

    from tests.support.git_servers import GitHttpBackendServer
    from tests.support.pipeline import make_pipeline, moto_queues, settings_env

    result = BenchResult("watch")
    root = CACHE / "watch"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    began = time.perf_counter()
    tags = _build(root / "many-tags.git")
    log(f"built many-tags.git: {tags} tags over {COMMITS} commits in {time.perf_counter() - began:.1f}s")
    conninfo = ctx.database().fresh("bench_watch")
    monkeypatch = pytest.MonkeyPatch()
    try:
        with GitHttpBackendServer(root) as server, moto_queues(monkeypatch) as queues:
            pipeline = make_pipeline(conninfo, queues, env=settings_env(queues))
            try:
                figures = _measure(pipeline, server.url("many-tags.git"))
            finally:
                pipeline.close()
    finally:
        monkeypatch.undo()
    for name, value in figures.items():
        log(f"  {name}: {value:.3f} s" if isinstance(value, float) else f"  {name}: {value}")
    result.add(
        "register → current release stored", figures["total_s"], "s", at_most=TARGET_S, note="reconciler run at once"
    )
    result.add("reconciler run (ls-remote 1,000 tags, 10 queued)", figures["reconcile_s"], "s")
    result.details.update(figures)
    return result


def _measure(pipeline, url: str) -> dict[str, Any]:
    from codetracker.usecases.reconcile import ReconcilePorts, ReconcileRequest, reconcile
    from codetracker.usecases.url_policy import UrlPolicy

    app = pipeline.create_app()
    s = pipeline.services
    t0 = time.perf_counter()
    registered = pipeline.register(app["token"], url)
    t_api = time.perf_counter()
    report = reconcile(
        ReconcileRequest(max_scans=MAX_SCANS),
        ReconcilePorts(
            unit_of_work=s.unit_of_work,
            ref_lister=s.ref_lister,
            scan_queue=s.scan_queue,
            cipher=s.cipher,
            url_policy=UrlPolicy(s.resolver, allow_private=True),  # the bench's git server is on 127.0.0.1
            clock=s.clock,
            metrics=s.metrics,
        ),
    )
    t_reconcile = time.perf_counter()
    order = [ref for (ref,) in pipeline.rows("SELECT ref FROM jobs WHERE trigger = 'schedule' ORDER BY created_at")]
    scans = 0
    while True:
        polled = pipeline.poll("scan", max_messages=1)
        scans += polled.received
        pipeline.poll("persist", max_messages=5)
        stored = pipeline.rows(
            "SELECT count(*) FROM modules WHERE scope = %s AND release_tag = %s",
            f"repository:{registered['id']}",
            NEWEST,
        )
        if stored[0][0]:
            break
        if not polled.received and time.perf_counter() - t0 > 600:
            raise RuntimeError(f"{NEWEST} was not stored within 600 s")
    t_end = time.perf_counter()
    return {
        "tags_to_scan": report.scans_queued + report.capped,
        "api_s": t_api - t0,
        "reconcile_s": t_reconcile - t_api,
        "to_stored_after_reconcile_s": t_end - t_reconcile,
        "total_s": t_end - t0,
        "scans_until_stored": scans,
        "first_queued": json.dumps(order[:3]),
        "scans_queued_by_the_run": report.scans_queued,
        "left_for_later_runs": report.capped,
    }
