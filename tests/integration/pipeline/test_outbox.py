"""The scan messages through the outbox, with the pieces that raced: the reconciler queuing 40 refs while the
scanner consumes, a process killed (SIGKILL) between its commit and its send, a send that fails after the
commit; a message whose job is not stored retried in seconds; a job whose message died failed by the
reconciler (`scan_abandoned`); a one-off scan failing alone. Real Postgres, moto SQS, git over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from codetracker.adapters.sqs import QueueUnavailable, SqsScanQueue
from codetracker.contracts.scan_requested import scan_requested_to_json
from codetracker.domain.job import JobTrigger
from codetracker.domain.queue_messages import ScanRequested
from codetracker.usecases.outbox import CLAIM_S
from tests.integration.pipeline.conftest import files_v2
from tests.integration.pipeline.test_reconcile_retention import _reconcile as reconcile_only
from tests.support import api_events as ev
from tests.support.pipeline import LambdaContext, handler_of, make_pipeline, settings_env, sqs_event

ROOT = Path(__file__).resolve().parents[3]


class ShiftedClock:
    """The real time, moved on by a test (the reconciler's bounds without waiting hours)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


class SwitchableQueue(SqsScanQueue):
    """The real scan queue, refusing sends while `broken`."""

    broken = False

    def send(self, message):
        if self.broken:
            raise QueueUnavailable("the queue refused to take the message (Throttling)")
        return super().send(message)


@pytest.fixture
def clock():
    return ShiftedClock()


@pytest.fixture
def harness(migrated_database_url, queues, clock):
    scan_queue = SwitchableQueue(queues.urls["scan"])
    built = make_pipeline(migrated_database_url, queues, env=settings_env(queues), clock=clock, scan_queue=scan_queue)
    try:
        yield built
    finally:
        built.close()


def _reconcile(pipeline, **options):
    """The reconciler as its handler runs it: abandoned jobs failed too."""
    s = pipeline.services
    return reconcile_only(
        pipeline, pipeline=s.pipeline_ports(), abandon_after_s=s.settings.pipeline.abandon_after_s, **options
    )


def _request_scan(pipeline, token, repository_id, ref=None):
    body = json.dumps({"ref": ref} if ref else {})
    return pipeline.api(
        ev.http_event("POST", f"/repositories/{repository_id}/scans", body=body, headers=ev.bearer(token))
    )


def _job_stored(database_url: str, job_id: str) -> bool:
    import psycopg

    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT 1 FROM jobs WHERE id = %s", [job_id]).fetchone() is not None


def test_a_reconciler_run_queuing_40_refs_while_the_scanner_consumes_sends_no_message_before_its_commit(
    harness, app, http_repo
):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    # Semantic versions (no leading zeros: `v1.05.0` is none), so the default tag pattern `:semver` watches all 40.
    for n in range(40):
        http_repo.tag(f"v1.{n}.0", http_repo.v1, annotated=n % 2 == 0)
    counts = {"received": 0, "before_commit": 0, "failed": 0}
    done = threading.Event()
    # The scanner: its own database connection, as another Lambda's.
    scanner = make_pipeline(harness.database_url, harness.queues, env=settings_env(harness.queues))

    def consume() -> None:
        while not done.is_set() or harness.queues.count(harness.queues.urls["scan"])[0]:
            messages = harness.receive("scan")
            if not messages:
                time.sleep(0.02)
                continue
            for message in messages:
                counts["received"] += 1
                # At the moment the consumer sees it, the job must be committed (another connection looks).
                if not _job_stored(harness.database_url, json.loads(message["Body"])["job_id"]):
                    counts["before_commit"] += 1
            answer = handler_of("scan")(
                sqs_event(harness.queues, "scan", messages), LambdaContext("ScannerFunction"), services=scanner.services
            )
            failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
            counts["failed"] += len(failed)
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]}
                for i, m in enumerate(messages)
                if m["MessageId"] not in failed
            ]
            if entries:
                harness.queues.sqs.delete_message_batch(QueueUrl=harness.queues.urls["scan"], Entries=entries)

    thread = threading.Thread(target=consume)
    thread.start()
    try:
        report = _reconcile(harness, max_scans=50)
    finally:
        done.set()
        thread.join(300)
        scanner.close()
    assert report.scans_queued == 40, report
    print(f"messages before commit: {counts['before_commit']} of {counts['received']}")
    assert counts == {"received": 40, "before_commit": 0, "failed": 0}
    statuses = harness.rows(
        "SELECT status, count(*) FROM jobs WHERE repository_id = %s AND trigger = 'schedule' GROUP BY 1",
        registered["id"],
    )
    assert statuses == [("persisting", 40)]  # every message found its job; none waits for a visibility timeout
    assert harness.rows("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]


_KILLED_BETWEEN_COMMIT_AND_SEND = """
import os, signal, sys
from datetime import UTC, datetime
from codetracker.adapters.postgres.database import PostgresDatabase
from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from codetracker.ports.metrics import NoMetrics
from codetracker.usecases.jobs import JobPorts, request_scan
from codetracker.usecases.app_requests import ScanJobRequest

class KilledOnSend:
    def send(self, message):
        os.kill(os.getpid(), signal.SIGKILL)

database_url, app_id, repository_id = sys.argv[1:4]
factory = PostgresUnitOfWorkFactory(PostgresDatabase(database_url))
with factory(read_only=True) as uow:
    app = uow.apps.get(app_id)
ports = JobPorts(unit_of_work=factory, scan_queue=KilledOnSend(), clock=lambda: datetime.now(UTC), metrics=NoMetrics())
request_scan(app, ScanJobRequest(repository_id, "refs/heads/main"), ports)
print("not killed")
"""


def test_a_process_killed_between_commit_and_send_leaves_its_message_to_the_schedule(harness, app, http_repo, clock):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    v2 = http_repo.commit(files_v2())
    (app_id,) = harness.rows("SELECT app_id FROM repositories WHERE id = %s", registered["id"])[0]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "shared"), str(ROOT)])}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_BETWEEN_COMMIT_AND_SEND, harness.database_url, str(app_id), registered["id"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    ((job_id, status),) = harness.rows("SELECT id, status FROM jobs WHERE trigger = 'api' AND ref = 'refs/heads/main'")
    assert status == "queued"
    assert harness.receive("scan") == []  # nothing was sent
    assert harness.rows("SELECT count(*) FROM outbox WHERE job_id = %s AND sent_at IS NULL", job_id) == [(1,)]

    # The killed relay had claimed it: the claim lapses, then the schedule sends it.
    assert _reconcile(harness).relayed == 0
    clock.offset += timedelta(seconds=CLAIM_S + 1)
    report = _reconcile(harness)
    assert report.relayed == 1
    assert report.scans_queued == 0 and report.already_active == 1  # the committed job covers the branch
    handled = harness.drain()
    assert handled["scan"] == 1
    job = harness.get(app["token"], f"/jobs/{job_id}")
    assert job["status"] == "done" and job["commit_sha"] == v2
    assert harness.rows("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == [(0,)]


def test_a_send_that_fails_after_the_commit_is_sent_by_the_schedule(harness, app, http_repo, clock):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    harness.services.scan_queue.broken = True
    status, accepted = _request_scan(harness, app["token"], registered["id"])
    assert status == 202
    job = harness.get(app["token"], f"/jobs/{accepted['job_id']}")
    assert job["status"] == "queued"  # the job is committed; only its message waits
    assert harness.receive("scan") == []
    ((attempts, last_error),) = harness.rows("SELECT attempts, last_error FROM outbox WHERE job_id = %s", job["id"])
    assert attempts == 1 and last_error.startswith("queue_unavailable")
    ((messages, most_attempts, latest_error),) = harness.rows(
        "SELECT messages, most_attempts, latest_error FROM ops_outbox_unsent WHERE queue = 'scan'"
    )
    assert (messages, most_attempts, latest_error) == (1, 1, last_error)
    assert _reconcile(harness).relayed == 0  # still broken: the attempt waits for its retry moment, then fails
    harness.services.scan_queue.broken = False
    assert _reconcile(harness).relayed == 0  # not before its retry moment
    clock.offset += timedelta(seconds=31)
    report = _reconcile(harness)
    assert report.relayed == 1 and report.scans_queued == 0
    (message,) = harness.receive("scan")
    assert json.loads(message["Body"])["job_id"] == job["id"]


def test_a_message_whose_job_is_not_stored_is_received_again_in_seconds_then_dead_lettered(harness, app, http_repo):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    stray = ScanRequested(
        str(uuid.uuid4()),
        registered["id"],
        http_repo.url,
        "HEAD",
        f"repository:{registered['id']}",
        "strings",
        "main",
        JobTrigger.API,
        datetime.now(UTC),
    )
    scan_url = harness.queues.urls["scan"]
    harness.queues.sqs.send_message(QueueUrl=scan_url, MessageBody=scan_requested_to_json(stray))
    poll = harness.poll("scan")
    assert poll.received == 1 and len(poll.failed) == 1
    assert harness.receive("scan") == []  # not visible at once …
    time.sleep(2.5)  # … but after 2 s, not the queue's 30 s (5,400 s in AWS)
    assert harness.poll("scan").failed
    time.sleep(4.5)  # the second retry: 2 × 2 s
    assert harness.poll("scan").failed  # the third and last receive
    time.sleep(6.5)
    assert harness.receive("scan") == []
    dead = harness.receive("scan", url=harness.queues.dlq_urls["scan"])
    assert [json.loads(m["Body"])["job_id"] for m in dead] == [stray.job_id]


def test_a_job_whose_message_died_is_failed_by_the_reconciler_and_its_ref_queued_again(
    harness, app, http_repo, clock, receiver
):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    v2 = http_repo.commit(files_v2())
    status, accepted = _request_scan(harness, app["token"], registered["id"], "refs/heads/main")
    assert status == 202
    job = {"id": accepted["job_id"]}
    scan_url, dlq_url = harness.queues.urls["scan"], harness.queues.dlq_urls["scan"]
    # Its message is received and never finished, as often as the queue allows: it goes to the DLQ.
    for _ in range(3):
        (message,) = harness.queues.sqs.receive_message(QueueUrl=scan_url, VisibilityTimeout=0)["Messages"]
    assert harness.queues.sqs.receive_message(QueueUrl=scan_url).get("Messages") is None
    assert len(harness.receive("scan", url=dlq_url)) == 1

    early = _reconcile(harness)
    assert early.abandoned == 0 and early.already_active == 1  # within the bound: maybe still being retried
    clock.offset += timedelta(hours=6, minutes=1)
    report = _reconcile(harness)
    assert report.abandoned == 1 and report.scans_queued == 1  # the branch again: its job is no longer active
    failed = harness.get(app["token"], f"/jobs/{job['id']}")
    assert failed["status"] == "failed" and failed["error"]["code"] == "scan_abandoned"
    repository = harness.get(app["token"], f"/repositories/{registered['id']}")
    assert repository["status"] == "failed" and repository["last_error"].startswith("scan_abandoned")
    # A redriven copy of the dead message does nothing: its job is finished.
    harness.queues.sqs.send_message(QueueUrl=scan_url, MessageBody=message["Body"])
    harness.drain()
    assert [r.json["type"] for r in receiver.requests].count("scan.failed") == 1
    assert harness.get(app["token"], f"/jobs/{job['id']}")["status"] == "failed"
    jobs = harness.get(app["token"], f"/repositories/{registered['id']}/jobs")["items"]
    assert jobs[0]["trigger"] == "schedule" and jobs[0]["status"] == "done" and jobs[0]["commit_sha"] == v2
    repository = harness.get(app["token"], f"/repositories/{registered['id']}")
    assert repository["status"] == "synced" and repository["last_scanned_commit"] == v2


def test_a_one_off_scan_fails_alone_and_sets_no_repository_commit(harness, app, http_repo):
    registered = harness.register(app["token"], http_repo.url)
    harness.drain()
    v1 = http_repo.v1
    http_repo.tag("v0.9.0", v1)
    v2 = http_repo.commit(files_v2())
    status, _ = _request_scan(harness, app["token"], registered["id"])
    assert status == 202
    harness.drain()
    status, missing = _request_scan(harness, app["token"], registered["id"], "nonexistent-branch")
    assert status == 202
    status, old_tag = _request_scan(harness, app["token"], registered["id"], "refs/tags/v0.9.0")
    assert status == 202
    harness.drain()
    assert harness.get(app["token"], f"/jobs/{missing['job_id']}")["error"]["code"] == "ref_not_found"
    tag_job = harness.get(app["token"], f"/jobs/{old_tag['job_id']}")
    assert tag_job["status"] == "done" and tag_job["commit_sha"] == v1
    repository = harness.get(app["token"], f"/repositories/{registered['id']}")
    assert repository["status"] == "synced" and repository["last_error"] is None
    assert repository["last_scanned_commit"] == v2  # the watched branch's, not the one-off tag's
