"""The reconciler against git over HTTP (ls-remote: refs only, no objects) with a remote that hangs beside the
others, and retention on Postgres, both through their handlers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from codetracker.adapters.git.ls_remote import DulwichRefLister
from codetracker.usecases.reconcile import ReconcilePorts, ReconcileRequest, reconcile
from codetracker.usecases.url_policy import UrlPolicy
from tests.integration.pipeline.conftest import files_v2
from tests.support.git_servers import HangingServer
from tests.support.pipeline import LambdaContext
from codetracker.ports.git import RepositoryAccess


def _reconcile(harness, pipeline=None, **options):
    s = harness.services
    return reconcile(
        ReconcileRequest(**options),
        ReconcilePorts(
            unit_of_work=s.unit_of_work,
            ref_lister=s.ref_lister,
            scan_queue=s.scan_queue,
            cipher=s.cipher,
            url_policy=UrlPolicy(s.resolver, allow_private=True),
            clock=s.clock,
            metrics=s.metrics,
            pipeline=pipeline,
        ),
    )


def test_ls_remote_lists_branches_and_peeled_tags_without_objects(git_server, http_repo):
    http_repo.tag("v1.0.0", http_repo.v1, annotated=True)
    http_repo.tag("v1.0.1", http_repo.v1)
    server, _ = git_server
    server.clear_requests()
    refs = DulwichRefLister().list_refs(RepositoryAccess(http_repo.url))
    assert refs.default_branch == "main" and refs.branches == {"main": http_repo.v1}
    assert refs.tags == {"v1.0.0": http_repo.v1, "v1.0.1": http_repo.v1}  # the annotated one peeled
    commands = [r.git_command for r in server.requests if r.method == "POST"]
    assert commands == ["ls-refs"]  # no fetch: not one object was transferred
    local = DulwichRefLister().list_refs(RepositoryAccess(f"file://{http_repo.path}"))
    assert local == refs


def test_reconcile_queues_what_changed_and_a_slow_remote_blocks_nobody(pipeline, app, http_repo):
    registered = pipeline.register(app["token"], http_repo.url)
    assert pipeline.drain()["notify"] == 1
    http_repo.tag("v1.0.0", http_repo.v1, annotated=True)
    with HangingServer() as hanging:
        slow = pipeline.register(app["token"], hanging.http_url("slow.git"))
        pipeline.receive("scan")  # its registration scan: not what this test is about
        started = time.monotonic()
        report = _reconcile(pipeline, concurrency=2, listing_timeout_s=2.0)
        took = time.monotonic() - started
    assert took < 4.0, took
    assert report.repositories == 2 and report.listed == 1 and report.failed == 1
    assert report.failures == {"timeout": 1}
    assert report.scans_queued == 1  # the tag; the branch is at its snapshot's commit
    (message,) = pipeline.receive("scan")
    body = json.loads(message["Body"])
    assert (
        body["ref"] == "refs/tags/v1.0.0"
        and body["trigger"] == "schedule"
        and body["repository_id"] == registered["id"]
    )
    assert slow["id"] != registered["id"]

    # A push the webhook never told us about: the branch is scanned; a second run queues no second scan.
    v2 = http_repo.commit(files_v2())
    first = _reconcile(pipeline)
    second = _reconcile(pipeline)
    assert first.scans_queued >= 1 and second.scans_queued == 0 and second.already_active >= 1
    pipeline.drain()
    jobs = pipeline.get(app["token"], f"/repositories/{registered['id']}/jobs")["items"]
    assert {j["trigger"] for j in jobs[:2]} == {"schedule"}
    assert any(j["commit_sha"] == v2 and j["status"] == "done" for j in jobs)
    after = _reconcile(pipeline, concurrency=1)
    assert after.scans_queued == 0


def test_reconciler_handler_returns_its_report(pipeline, app, local_repo):
    from functions.reconciler.app import lambda_handler

    pipeline.register(app["token"], local_repo.url)
    pipeline.drain()
    local_repo.commit(files_v2())
    report = lambda_handler(
        {"source": "aws.events", "detail-type": "Scheduled Event"},
        LambdaContext("Reconciler", 60),
        services=pipeline.services,
    )
    assert report["repositories"] == 1 and report["scans_queued"] == 1 and report["unfinished"] == 0


def test_retention_handler_deletes_old_rows_in_batches(pipeline, app, local_repo):
    from functions.retention.app import lambda_handler

    registered = pipeline.register(app["token"], local_repo.url)
    pipeline.drain()
    old = datetime.now(UTC) - timedelta(days=120)
    pipeline.rows("UPDATE jobs SET created_at = %s", old)
    pipeline.rows("UPDATE activities SET created_at = %s WHERE action_type <> 'repository_registered'", old)
    pipeline.rows(
        "INSERT INTO parsed_blobs (blob_sha, extractor_version, result, created_at) "
        "VALUES ('f' || repeat('0', 39), 'v', '[]', %s)",
        old,
    )
    pipeline.rows("UPDATE parsed_blobs SET created_at = %s", old)
    before = pipeline.rows("SELECT count(*) FROM parsed_blobs")[0][0]
    report = lambda_handler({"source": "aws.events"}, LambdaContext("Retention", 60), services=pipeline.services)
    assert report["complete"] is True
    assert report["deleted"]["jobs"] == 1 and report["deleted"]["activities"] >= 5
    assert report["deleted"]["parsed_blobs"] == 1  # the unreferenced one; the snapshot's blobs stay
    assert pipeline.rows("SELECT count(*) FROM parsed_blobs")[0][0] == before - 1
    assert pipeline.rows("SELECT count(*) FROM jobs") == [(0,)]
    activity = pipeline.get(app["token"], f"/repositories/{registered['id']}/activity")["items"]
    assert [a["action_type"] for a in activity] == ["repository_registered"]
    assert pipeline.get(app["token"], f"/repositories/{registered['id']}/snapshots")["items"]  # snapshots stay


def test_operations_views_answer(pipeline, app, local_repo):
    pipeline.register(app["token"], local_repo.url)
    pipeline.drain()
    (day,) = pipeline.rows("SELECT jobs, done, failed, success_rate FROM ops_scan_success_daily")
    assert day == (1, 1, 0, 1)
    stages = {row[0]: row[1] for row in pipeline.rows("SELECT stage, jobs FROM ops_stage_durations_daily")}
    assert stages == {"scan": 1, "persist": 1, "notify": 1, "total": 1}
    (notifications,) = pipeline.rows(
        "SELECT notifications, delivered, failed, delivery_rate FROM ops_notification_delivery_daily"
    )
    assert notifications == (1, 1, 0, 1)
    assert pipeline.rows("SELECT * FROM ops_failure_reasons") == []
