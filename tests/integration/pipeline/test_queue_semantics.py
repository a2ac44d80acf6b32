"""Real queue semantics (SQS in moto, not assumed): a partial batch failure redelivers only the failed record;
the notifier's backoff through visibility grows as configured; after the last receive the message is in the
notify DLQ (moto moves it on the next ReceiveMessage of the source queue after its visibility expires); redrive
brings it back and it is delivered once, with the same webhook-id."""

from __future__ import annotations

import io
import json
import time
import uuid
from datetime import UTC, datetime

import pytest

from codetracker.cli import main
from codetracker.domain.job import JobTrigger
from codetracker.domain.queue_messages import ScanRequested
from tests.support.pipeline import make_pipeline, moto_queues, settings_env
from tests.support.webhook_receiver import Reply


@pytest.fixture
def fast_queues(monkeypatch):
    with moto_queues(monkeypatch, notify_max_attempts=3, visibility_s=1) as found:
        yield found


@pytest.fixture
def fast(migrated_database_url, fast_queues):
    harness = make_pipeline(migrated_database_url, fast_queues, env=settings_env(fast_queues))
    yield harness
    harness.close()


def _wait_visible(harness, queue: str, *, timeout_s: float = 5.0) -> list[dict]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        messages = harness.receive(queue)
        if messages:
            return messages
        time.sleep(0.1)
    return []


def test_a_partial_batch_failure_redelivers_only_the_failed_record(fast, local_repo):
    created = fast.create_app(None)
    registered = fast.register(created["token"], local_repo.url)  # one good scan message
    sqs, url = fast.queues.sqs, fast.queues.urls["scan"]
    missing = ScanRequested(
        str(uuid.uuid4()),
        registered["id"],
        local_repo.url,
        "HEAD",
        f"repository:{registered['id']}",
        "strings",
        "main",
        JobTrigger.API,
        datetime.now(UTC),
    )
    from codetracker.contracts.scan_requested import scan_requested_to_json

    sqs.send_message(QueueUrl=url, MessageBody=scan_requested_to_json(missing))  # its job is not stored: retried
    sqs.send_message(QueueUrl=url, MessageBody='{"v": 1, "type": "scan.requested", "job_id": 7')  # garbage: dropped
    first = fast.poll("scan")
    assert first.received == 3 and len(first.failed) == 1
    assert fast.services.metrics.total("InvalidMessages", queue="scan") == 1
    # Only the failed record comes back, once its visibility timeout passes.
    again = _wait_visible(fast, "scan")
    assert [m["MessageId"] for m in again] == first.failed
    assert json.loads(again[0]["Body"])["job_id"] == missing.job_id
    assert again[0]["Attributes"]["ApproximateReceiveCount"] == "2"
    job = fast.get(created["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "persisting"


def test_backoff_grows_then_the_dlq_then_redrive_delivers_once(fast, local_repo, receiver):
    app = fast.create_app(receiver.url)
    receiver.secret = app["signing_secret"]
    receiver.script = [Reply(500)]
    registered = fast.register(app["token"], local_repo.url)
    assert fast.poll("scan").received == 1 and fast.poll("persist").received == 1

    # Poll as the event source mapping does; every receive is an attempt (its receive count). An attempt's
    # time is when its poll began: the message is hidden from its receive on, and a delivery attempt within
    # the poll (a cold first one took 0.3 s under load) must not shorten the measured wait.
    attempts: list[float] = []
    deadline = time.monotonic() + 15
    while len(attempts) < 3 and time.monotonic() < deadline:
        began = time.monotonic()
        result = fast.poll("notify")
        if result.received:
            assert result.failed
            attempts.append(began)
        time.sleep(0.05)
    assert len(attempts) == 3
    first_wait, second_wait = attempts[1] - attempts[0], attempts[2] - attempts[1]
    # base 1 s, doubling: hidden 1 s after attempt 1, 2 s after attempt 2.
    assert 0.9 <= first_wait < 1.8 and 1.9 <= second_wait < 3.0, (first_wait, second_wait)
    job = fast.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "failed" and job["error"]["code"] == "delivery_server_error"
    assert job["stages"]["notify"]["ended_at"] and any("last notification attempt" in line for line in job["log_tail"])
    repository = fast.get(app["token"], f"/repositories/{registered['id']}")
    assert repository["status"] == "failed" and "HTTP 500" in repository["last_error"]

    # The next receive of the source queue moves it to the DLQ (moto: lazily, on receive).
    assert fast.receive("notify") == []
    assert fast.queues.count(fast.queues.dlq_urls["notify"])[0] == 1

    receiver.script = [Reply(200)]
    out, err = io.StringIO(), io.StringIO()
    assert main(["redrive", "notify"], services=fast.services, out=out, err=err) == 0, err.getvalue()
    assert "1 message(s) moved back" in out.getvalue()
    assert fast.queues.count(fast.queues.dlq_urls["notify"]) == (0, 0)
    before = len(receiver.requests)
    assert fast.poll("notify").failed == []
    assert fast.poll("notify").received == 0  # delivered once
    delivered = receiver.requests[before:]
    assert len(delivered) == 1 and delivered[0].verified
    assert {r.headers["webhook-id"] for r in receiver.requests} == {"msg_" + registered["job_id"].replace("-", "")}
    job = fast.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "done" and job["error"] is None
    assert fast.get(app["token"], f"/repositories/{registered['id']}")["status"] == "synced"


def test_redrive_needs_its_queues():
    from codetracker.settings import Settings
    from codetracker.wiring import Services

    services = Services(Settings.from_env(settings_env()))
    err = io.StringIO()
    assert main(["redrive", "persist"], services=services, out=io.StringIO(), err=err) == 2
    assert "CODE_TRACKER_PERSIST_DLQ_URL" in err.getvalue()
    err = io.StringIO()
    assert main(["redrive"], services=services, out=io.StringIO(), err=err) == 2
    assert "scan|persist|notify" in err.getvalue()
