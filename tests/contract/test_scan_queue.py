"""The scan queue's contract against SQS (moto, in process) and the in-memory fake: what is sent is a valid
version-1 `scan.requested` message, read back as the same value."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from codetracker.contracts.scan_requested import scan_requested_from_json
from codetracker.domain.job import JobTrigger
from codetracker.domain.queue_messages import ScanRequested
from codetracker.errors import ConfigurationError, RetryableError

MESSAGE = ScanRequested(
    job_id=str(uuid.uuid4()),
    repository_id=str(uuid.uuid4()),
    url="https://github.com/o/r",
    ref="refs/heads/main",
    scope="repository:x",
    module_slug="r",
    fallback_branch="main",
    trigger=JobTrigger.WEBHOOK,
    requested_at=datetime(2026, 11, 1, tzinfo=UTC),
)


@pytest.fixture(params=["sqs", "memory"])
def queue_and_reader(request, monkeypatch):
    if request.param == "memory":
        from codetracker.adapters.memory_queue import MemoryScanQueue

        queue = MemoryScanQueue()
        yield queue, lambda: list(queue.bodies)
        return
    import boto3
    from moto import mock_aws

    from codetracker.adapters.sqs import SqsScanQueue

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("sqs")
        url = client.create_queue(QueueName="scan")["QueueUrl"]

        def read() -> list[str]:
            got = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            for message in got.get("Messages", []):
                assert message["MessageAttributes"]["type"]["StringValue"] == "scan.requested"
            return [m["Body"] for m in got.get("Messages", [])]

        yield SqsScanQueue(url), read


def test_a_sent_message_is_read_back_as_the_same_request(queue_and_reader):
    queue, read = queue_and_reader
    assert queue.send(MESSAGE)
    (body,) = read()
    assert scan_requested_from_json(body) == MESSAGE


def test_sqs_errors_are_typed(monkeypatch):
    import boto3
    from moto import mock_aws

    from codetracker.adapters.sqs import SqsScanQueue

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with pytest.raises(ConfigurationError) as unset:
        SqsScanQueue(None).send(MESSAGE)
    assert unset.value.setting == "CODE_TRACKER_SCAN_QUEUE_URL"
    with mock_aws():
        boto3.client("sqs")
        with pytest.raises(ConfigurationError):
            SqsScanQueue("https://sqs.eu-west-1.amazonaws.com/123456789012/missing").send(MESSAGE)
    # Nothing listens on port 9: a retryable error, never a traceback of botocore.
    unreachable = SqsScanQueue(
        "http://127.0.0.1:9/123456789012/scan",
        client_factory=lambda: boto3.client(
            "sqs",
            endpoint_url="http://127.0.0.1:9",
            config=__import__("botocore.config").config.Config(retries={"max_attempts": 1}, connect_timeout=1),
        ),
    )
    with pytest.raises(RetryableError):
        unreachable.send(MESSAGE)
