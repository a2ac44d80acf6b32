"""The pipeline's queues and payload store, real (SQS and S3 in moto) and in memory: a persist or notify
message is read back as the same value, a body above the threshold travels as a claim check whose payload is
in the store, and the store reads, deletes (twice is fine) and types its errors."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from codetracker.contracts.claim_check import claim_check_to_json
from codetracker.contracts.notify_requested import notify_requested_from_json
from codetracker.contracts.persist_requested import persist_requested_from_json
from codetracker.contracts.scan_result import scan_result_from_dict
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested
from codetracker.errors import PayloadUnavailable
from codetracker.ports.queues import QueueRecord
from codetracker.usecases.queue_records import open_record

T = datetime(2026, 11, 1, tzinfo=UTC)
JOB, REPO = str(uuid.uuid4()), str(uuid.uuid4())


def _persist(functions: int) -> PersistRequested:
    descriptor = {
        "module_slug": "m",
        "functions": [
            {
                "name": f"f{i}",
                "file_path": "a.js",
                "export_type": "named",
                "is_async": False,
                "description": "x" * 50,
                "jsdoc_raw": None,
                "order_in_file": i,
                "parameters": [],
                "return_values": [],
            }
            for i in range(functions)
        ],
        "problems": [],
        "files": [{"path": "a.js", "kind": "file", "size": 1, "sha": "a" * 40}],
    }
    result = {
        "key": {"scope": "repository:x", "module_slug": "m", "branch_name": "main", "release_tag": "HEAD"},
        "source": {"name": "m", "folder_path": "https://h/m", "commit_sha": "c" * 40},
        "scanned_at": T.isoformat(),
        "ref_kind": "branch",
        "extraction": {"files_total": 1, "candidates": 1, "parsed": 1, "cache_hits": 0, "unread_sources": {}},
        "fetch": None,
        "descriptor": descriptor,
    }
    return PersistRequested(JOB, REPO, T, T, scan_result_from_dict(result))


NOTIFY = NotifyRequested(
    "msg_" + JOB.replace("-", ""),
    JOB,
    REPO,
    {"type": "snapshot.stored", "timestamp": "2026-11-01T00:00:00Z", "data": {"x": 1}},
)


@pytest.fixture(params=["aws", "memory"])
def parts(request, monkeypatch):
    """(queue factory, read bodies, payload store)"""
    if request.param == "memory":
        from codetracker.adapters.memory_queue import MemoryMessageQueue
        from codetracker.adapters.payload_s3 import MemoryPayloadStore

        store = MemoryPayloadStore()
        queues: list[MemoryMessageQueue] = []

        def make(threshold: int):
            queue = MemoryMessageQueue(payloads=store, claim_check_bytes=threshold)
            queues.append(queue)
            return queue

        yield make, lambda: [b for q in queues for b in q.take()], store
        return
    import boto3
    from moto import mock_aws

    from codetracker.adapters.payload_s3 import S3PayloadStore
    from codetracker.adapters.sqs import SqsMessageQueue

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        sqs, s3 = boto3.client("sqs"), boto3.client("s3")
        url = sqs.create_queue(QueueName="q")["QueueUrl"]
        s3.create_bucket(Bucket="payloads-contract", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        store = S3PayloadStore("payloads-contract")

        def read() -> list[str]:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
            return [m["Body"] for m in got.get("Messages", [])]

        yield (lambda threshold: SqsMessageQueue(url, payloads=store, claim_check_bytes=threshold)), read, store


def test_messages_are_read_back_as_sent(parts):
    make, read, store = parts
    queue = make(200 * 1024)
    queue.send(_persist(2))
    queue.send(NOTIFY)
    persist_body, notify_body = read()
    assert persist_requested_from_json(persist_body) == _persist(2)
    assert notify_requested_from_json(notify_body) == NOTIFY


def test_a_large_body_travels_as_a_claim_check(parts):
    make, read, store = parts
    queue = make(4096)
    message = _persist(200)
    queue.send(message)
    (body,) = read()
    pointer = json.loads(body)
    assert pointer["type"] == "persist.requested" and pointer["job_id"] == JOB and "result" not in pointer
    opened = open_record(QueueRecord("m", body, 1), store)
    assert persist_requested_from_json(opened.body) == message
    assert opened.claim_location == pointer["claim_check"]["location"]
    store.delete(opened.claim_location)
    store.delete(opened.claim_location)  # gone already: fine
    with pytest.raises(PayloadUnavailable):
        store.get(opened.claim_location)


def test_a_payload_that_does_not_match_its_claim_is_invalid(parts):
    from codetracker.errors import InvalidMessage

    _make, _read, store = parts
    location = store.put("x/y.json", b'{"v": 1}')
    body = claim_check_to_json('{"v": 1, "type": "notify.requested"}', location, 8, "0" * 64)
    with pytest.raises(InvalidMessage, match="does not match"):
        open_record(QueueRecord("m", body, 1), store)
