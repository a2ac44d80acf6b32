"""The SQS poller against moto's SQS (real queue semantics): what Lambda's event source mapping does."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from codetracker.local.plan import EventSourceSpec, FunctionSpec
from codetracker.local.pollers import SqsPoller
from codetracker.local.queues import LocalQueue


@pytest.fixture
def sqs(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.client("sqs")


def _queue(sqs, name="work", visibility=1):
    url = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _poller(sqs, url, arn, handler, *, batch=5, reports=True, timeout=60.0, inflight=None):
    function = FunctionSpec("WorkerFunction", Path("/nonexistent"), "app.lambda_handler", timeout, 256, {})
    source = EventSourceSpec("WorkerSource", "WorkerFunction", "WorkQueue", batch, 5, reports)
    return SqsPoller(sqs=sqs, queue=LocalQueue("WorkQueue", "work", url, arn), function=function, source=source,
                     handler=handler, stop=threading.Event(), inflight_file=inflight, long_poll_s=1)  # fmt: skip


def _send(sqs, url, *bodies):
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body,
                         MessageAttributes={"type": {"DataType": "String", "StringValue": "t"}})  # fmt: skip


def _remaining(sqs, url) -> int:
    a = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])


def test_records_carry_real_attributes_and_a_lambda_context(sqs, tmp_path):
    url, arn = _queue(sqs)
    _send(sqs, url, "one")
    seen = []

    def handler(event, context):
        seen.append((event, context.get_remaining_time_in_millis(), context.function_name))
        assert json.loads((tmp_path / "inflight.json").read_text())["queue_url"] == url

    poller = _poller(sqs, url, arn, handler, timeout=42, inflight=tmp_path / "inflight.json")
    assert poller.invoke(poller.receive()) == set()
    ((event, remaining, name),) = seen
    (record,) = event["Records"]
    assert record["body"] == "one" and record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"]["type"]["stringValue"] == "t"
    assert 41_000 < remaining <= 42_000 and name == "WorkerFunction"
    assert _remaining(sqs, url) == 0 and not (tmp_path / "inflight.json").exists()


def test_reported_failures_are_redelivered_after_the_visibility_timeout_the_rest_deleted(sqs):
    url, arn = _queue(sqs, visibility=1)
    _send(sqs, url, "ok-1", "fail", "ok-2")
    receives = {}

    def handler(event, context):
        failures = []
        for r in event["Records"]:
            receives.setdefault(r["body"], []).append(r["attributes"]["ApproximateReceiveCount"])
            if r["body"] == "fail" and len(receives["fail"]) < 2:
                failures.append({"itemIdentifier": r["messageId"]})
        return {"batchItemFailures": failures}

    poller = _poller(sqs, url, arn, handler)
    deadline = time.monotonic() + 10
    while len(receives.get("fail", [])) < 2 and time.monotonic() < deadline:
        batch = poller.receive()
        if batch:
            poller.invoke(batch)
    assert receives == {"ok-1": ["1"], "fail": ["1", "2"], "ok-2": ["1"]}
    assert _remaining(sqs, url) == 0


@pytest.mark.parametrize("answer", ["raise", {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]},
                                    {"batchItemFailures": [{}]}, "not a dict"])  # fmt: skip
def test_a_handler_that_raises_or_answers_garbage_fails_the_whole_batch(sqs, answer):
    url, arn = _queue(sqs, visibility=30)
    _send(sqs, url, "a", "b")

    def handler(event, context):
        if answer == "raise":
            raise RuntimeError("boom")
        return answer

    poller = _poller(sqs, url, arn, handler)
    messages = poller.receive()
    assert len(messages) == 2
    assert poller.invoke(messages) is None
    assert _remaining(sqs, url) == 2


def test_without_report_batch_item_failures_a_returned_list_is_ignored(sqs):
    url, arn = _queue(sqs)
    _send(sqs, url, "a")
    poller = _poller(sqs, url, arn, lambda e, c: {"batchItemFailures": [{"itemIdentifier": "x"}]}, reports=False)
    assert poller.invoke(poller.receive()) == set()
    assert _remaining(sqs, url) == 0


def test_an_idle_queue_never_invokes_the_handler_and_a_message_is_picked_up_at_once(sqs):
    url, arn = _queue(sqs)
    calls = []
    poller = _poller(sqs, url, arn, lambda e, c: calls.append((time.monotonic(), len(e["Records"]))), batch=1)
    thread = threading.Thread(target=poller.run)
    thread.start()
    try:
        time.sleep(1.5)  # more than one long poll: empty receives, no invocation
        assert calls == []
        sent = time.monotonic()
        _send(sqs, url, "now")
        deadline = time.monotonic() + 5
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
        assert calls and calls[0][1] == 1
        assert calls[0][0] - sent < 0.5  # long polling: no sleeping between empty receives
    finally:
        poller.stop.set()
        thread.join(5)
    assert not thread.is_alive()


def test_batches_are_at_most_the_batch_size(sqs):
    url, arn = _queue(sqs)
    _send(sqs, url, *[f"m{i}" for i in range(7)])
    sizes = []
    poller = _poller(sqs, url, arn, lambda e, c: sizes.append(len(e["Records"])), batch=3)
    while _remaining(sqs, url):
        batch = poller.receive()
        if batch:
            poller.invoke(batch)
    assert max(sizes) <= 3 and sum(sizes) == 7
