"""The scanner and the persister, one failure path or delivery quirk at a time: permanent and retryable
failures, the time budget, duplicates, stale scans, malformed messages, claim checks, a deleted repository,
and the log lines of a job. Local repositories (file://) unless the case needs a network."""

from __future__ import annotations

import json
import time


from tests.support import api_events as ev
from tests.support.git_servers import HangingServer, closed_port
from tests.support.pipeline import make_pipeline, settings_env
from tests.integration.pipeline.conftest import files_v2


def _scan(pipeline, token: str, repository_id: str, ref: str | None = None) -> str:
    body = json.dumps({"ref": ref} if ref else {})
    status, answer = pipeline.api(
        ev.http_event("POST", f"/repositories/{repository_id}/scans", body=body, headers=ev.bearer(token))
    )
    assert status == 202, answer
    return answer["job_id"]


def test_a_permanent_error_fails_the_job_and_notifies_scan_failed(pipeline, app, receiver, local_repo):
    registered = pipeline.register(app["token"], local_repo.url)
    pipeline.drain()
    job_id = _scan(pipeline, app["token"], registered["id"], "refs/heads/nope")
    assert pipeline.poll("scan").failed == []  # not retried
    job = pipeline.get(app["token"], f"/jobs/{job_id}")
    assert job["status"] == "failed" and job["error"]["code"] == "ref_not_found"
    assert job["stages"]["scan"]["started_at"] and job["stages"]["scan"]["ended_at"]
    assert job["log_tail"] and any("scan requested" in line for line in job["log_tail"])
    repository = pipeline.get(app["token"], f"/repositories/{registered['id']}")
    # A one-off ref fails alone: the repository follows its watched branch, which is in sync.
    assert repository["status"] == "synced" and repository["last_error"] is None
    assert pipeline.poll("notify").received == 1
    failed = receiver.requests[-1]
    assert failed.verified and failed.json["type"] == "scan.failed"
    assert failed.json["data"]["error"]["code"] == "ref_not_found" and failed.json["data"]["job"]["stage"] == "scan"
    assert pipeline.get(app["token"], f"/jobs/{job_id}")["status"] == "failed"  # delivered, still failed
    activity = pipeline.get(app["token"], f"/repositories/{registered['id']}/activity")["items"]
    assert [a["action_type"] for a in activity[:2]] == ["notification_delivered", "scan_failed"]


def test_a_retryable_error_is_a_batch_item_failure_with_its_reason_on_the_job(pipeline, app):
    registered = pipeline.register(app["token"], f"http://127.0.0.1:{closed_port()}/gone.git")
    assert len(pipeline.poll("scan").failed) == 1
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "scanning" and job["error"]["code"] == "host_unreachable"
    assert pipeline.services.metrics.total("ScanRetries", reason="host_unreachable") == 1


def test_the_scanner_stops_before_the_time_limit(pipeline, app):
    with HangingServer() as hanging:
        registered = pipeline.register(app["token"], hanging.http_url("slow.git"))
        started = time.monotonic()
        result = pipeline.poll("scan", timeout_s=4.5)  # 2 s reserve (settings_env): 2.5 s to fetch
        took = time.monotonic() - started
    assert len(result.failed) == 1 and took < 4.0, took
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["error"]["code"] == "time_budget_exceeded" and job["status"] == "scanning"


def test_the_time_budget_stops_ignore_matching_and_selection(pipeline, app, local_repo):
    """Issue 17: the budget reached only the parse loop, so a costly .codetrackerignore (here 100,000
    patterns with several `*` sharing one gram, over 1,500 paths holding it) ran past the function's limit."""
    files = {f"lib/aaa{i}/m{i}.mjs": b"export function f() {}\n" for i in range(1500)}
    files[".codetrackerignore"] = b"".join(b"*aaa*[%d]*[%d]*b\n" % (i % 10, i) for i in range(100_000))
    local_repo.commit(files)
    registered = pipeline.register(app["token"], local_repo.url)
    started = time.monotonic()
    result = pipeline.poll("scan", timeout_s=4.5)  # 2 s reserve (settings_env): 2.5 s to fetch and select
    took = time.monotonic() - started
    assert len(result.failed) == 1 and took < 4.5, took
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["error"]["code"] == "time_budget_exceeded" and job["status"] == "scanning"


def test_a_message_delivered_twice_stores_once_and_sends_one_notify_message(pipeline, app, receiver, local_repo):
    registered = pipeline.register(app["token"], local_repo.url)
    scan_body = pipeline.receive("scan")[0]["Body"]
    sqs, queues = pipeline.queues.sqs, pipeline.queues.urls
    for _ in range(2):
        sqs.send_message(QueueUrl=queues["scan"], MessageBody=scan_body)
    assert pipeline.poll("scan").failed == []
    # Both scans ran (the job was not past scanning yet); the persister stores once.
    persist = pipeline.receive("persist")
    assert len(persist) == 2
    for m in persist:
        sqs.change_message_visibility(QueueUrl=queues["persist"], ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    sqs.send_message(QueueUrl=queues["persist"], MessageBody=persist[0]["Body"])  # and one more duplicate
    assert pipeline.poll("persist").failed == []
    assert pipeline.queues.count(queues["notify"])[0] == 1
    assert pipeline.rows("SELECT count(*) FROM modules") == [(1,)]
    assert pipeline.rows("SELECT count(*) FROM activities WHERE action_type = 'snapshot_stored'") == [(1,)]
    pipeline.drain()
    # The scan message once more, after everything: nothing is scanned, stored or sent again.
    sqs.send_message(QueueUrl=queues["scan"], MessageBody=scan_body)
    assert pipeline.drain() == {"scan": 1, "persist": 0, "notify": 0}
    assert len(receiver.requests) == 1
    assert pipeline.get(app["token"], f"/jobs/{registered['job_id']}")["status"] == "done"


def test_an_older_scan_never_replaces_a_newer_one(pipeline, app, receiver, local_repo):
    registered = pipeline.register(app["token"], local_repo.url)
    assert pipeline.poll("scan").received == 1  # v1 scanned; its persist message waits
    held = pipeline.receive("persist")[0]
    v2 = local_repo.commit(files_v2())
    newer = _scan(pipeline, app["token"], registered["id"])
    assert pipeline.poll("scan").received == 1 and pipeline.poll("persist").received == 1
    sqs, url = pipeline.queues.sqs, pipeline.queues.urls["persist"]
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"], VisibilityTimeout=0)
    assert pipeline.poll("persist").failed == []
    stale = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert stale["status"] == "done" and stale["result"]["outcome"] == "stale"
    assert stale["result"]["stored_commit_sha"] == v2
    assert pipeline.rows("SELECT commit_sha FROM modules") == [(v2,)]
    pipeline.drain()
    assert [r.json["data"]["job"]["id"] for r in receiver.requests] == [newer]  # the stale one notifies nothing


def test_a_malformed_message_is_recorded_on_its_job_and_not_retried(pipeline, app, local_repo):
    registered = pipeline.register(app["token"], local_repo.url)
    pipeline.receive("scan")  # the api's message is not what this test sends
    bad = {"v": 2, "type": "scan.requested", "job_id": registered["job_id"]}
    pipeline.queues.sqs.send_message(QueueUrl=pipeline.queues.urls["scan"], MessageBody=json.dumps(bad))
    assert pipeline.poll("scan").failed == []
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "failed" and job["error"]["code"] == "invalid_message"
    assert "version 2" in job["error"]["message"]
    assert pipeline.services.metrics.total("InvalidMessages", queue="scan") == 1


def test_a_large_result_travels_by_claim_check_and_is_deleted_after(
    migrated_database_url, queues, receiver, local_repo
):
    harness = make_pipeline(
        migrated_database_url, queues, env=settings_env(queues, CODE_TRACKER_CLAIM_CHECK_BYTES="1000")
    )
    try:
        app = harness.create_app(receiver.url)
        receiver.secret = app["signing_secret"]
        harness.register(app["token"], local_repo.url)
        assert harness.poll("scan").received == 1
        pointer = harness.receive("persist")[0]
        body = json.loads(pointer["Body"])
        assert body["type"] == "persist.requested" and set(body["claim_check"]) == {"location", "bytes", "sha256"}
        assert body["claim_check"]["location"].startswith("s3://codetracker-payloads-test/claims/persist.requested/")
        listed = queues.s3.list_objects_v2(Bucket="codetracker-payloads-test").get("Contents", [])
        assert len(listed) == 1
        queues.sqs.change_message_visibility(
            QueueUrl=queues.urls["persist"], ReceiptHandle=pointer["ReceiptHandle"], VisibilityTimeout=0
        )
        assert harness.drain() == {"scan": 0, "persist": 1, "notify": 1}
        assert queues.s3.list_objects_v2(Bucket="codetracker-payloads-test").get("KeyCount") == 0
        assert receiver.requests[-1].verified
    finally:
        harness.close()


def test_a_repository_deleted_before_its_scan_is_not_scanned(pipeline, app, local_repo):
    registered = pipeline.register(app["token"], local_repo.url)
    status, _ = pipeline.api(
        ev.http_event("DELETE", f"/repositories/{registered['id']}", headers=ev.bearer(app["token"]))
    )
    assert status == 200
    assert pipeline.drain() == {"scan": 1, "persist": 0, "notify": 0}
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "failed" and job["error"]["code"] == "repository_deleted"


def test_every_line_of_a_job_carries_its_job_and_repository_ids(pipeline, app, local_repo):
    import io
    import logging

    from tests.support.pipeline import handler_of

    registered = pipeline.register(app["token"], local_repo.url)
    stream = io.StringIO()
    # The handlers' own JSON output (Powertools' stream handlers, on the logger named after each function's
    # service), whatever stream they were built on.
    handlers = []
    for queue, service in (("scan", "scanner"), ("persist", "persister"), ("notify", "notifier")):
        handler_of(queue)  # its Logger exists once its module is imported
        logger = logging.getLogger(f"codetracker-{service}")
        handlers += [h for h in logger.handlers if isinstance(h, logging.StreamHandler)]
    previous = [h.setStream(stream) for h in handlers]
    try:
        pipeline.drain()
    finally:
        for handler, old_stream in zip(handlers, previous):
            handler.setStream(old_stream)
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.startswith("{")]
    ours = [line for line in lines if str(line.get("name", "")).startswith("codetracker.")]
    assert len(ours) >= 5
    for line in ours:
        assert line.get("job_id") == registered["job_id"], line
        assert line.get("repository_id") == registered["id"], line
    assert {line["service"] for line in ours} == {
        "codetracker-scanner",
        "codetracker-persister",
        "codetracker-notifier",
    }
