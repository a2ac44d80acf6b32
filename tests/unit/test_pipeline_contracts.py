"""The pipeline's wire formats: persist.requested, notify.requested and claim checks are version 1, read back as
sent, and anything else is an InvalidMessage (never retried); the webhook bodies have their documented keys."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from codetracker.contracts.claim_check import claim_check_from_json, claim_check_to_json
from codetracker.contracts.message_fields import message_job_id
from codetracker.contracts.notify_requested import notify_requested_from_json, notify_requested_to_json
from codetracker.contracts.persist_requested import persist_requested_from_json, persist_requested_to_json
from codetracker.contracts.scan_result import scan_result_from_dict, scan_result_to_dict
from codetracker.contracts.webhooks import JobEventSource, event_to_bytes, scan_failed_event, snapshot_stored_event
from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotKey, SnapshotSource, SnapshotSummary
from codetracker.domain.scan import ExtractionStats, FetchStats, ScanResult
from codetracker.domain.queue_messages import NotifyRequested, PersistRequested
from codetracker.errors import InvalidMessage

T = datetime(2026, 11, 1, 12, tzinfo=UTC)
JOB = str(uuid.uuid4())


def _result() -> ScanResult:
    return ScanResult(
        key=SnapshotKey("m", "main", "HEAD", "repository:r"),
        descriptor=Descriptor("m", (ExportedFunction("f", "a.js", "named", True, "d", None, 0),)),
        source=SnapshotSource("m", "https://h/m", "c" * 40),
        scanned_at=T,
        extraction=ExtractionStats(3, 1, 1, 0, {".ts": 2}),
        fetch=FetchStats(100, True, 1, "filtered"),
        ref_kind="branch",
    )


@pytest.mark.parametrize(
    "result",
    [
        _result(),
        # a folder's scan (no fetch), extracted package by package
        replace(_result(), fetch=None, ref_kind=None, package_slugs=("a", "b"), extraction=ExtractionStats(0, 0, 0, 0)),
        # an older fetch without transport reads as the default
        replace(_result(), fetch=FetchStats(5, False)),
    ],
)
def test_a_scan_result_round_trips_through_persist_requested(result):
    message = PersistRequested(JOB, str(uuid.uuid4()), T, T, result)
    text = persist_requested_to_json(message)
    decoded = persist_requested_from_json(text)
    assert decoded == message and isinstance(decoded.result, ScanResult)
    assert json.loads(text)["v"] == 1 and json.loads(text)["type"] == "persist.requested"
    assert scan_result_from_dict(json.loads(json.dumps(scan_result_to_dict(result)))) == result


def _persist_body() -> dict:
    return json.loads(persist_requested_to_json(PersistRequested(JOB, str(uuid.uuid4()), T, T, _result())))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(v=2),
        lambda b: b.update(type="scan.requested"),
        lambda b: b.update(job_id="7"),
        lambda b: b.update(result=[]),
        lambda b: b["result"].update(descriptor={"functions": 3}),
        lambda b: b["result"].update(scanned_at="yesterday"),
        lambda b: b["result"]["key"].update(scope=""),
        lambda b: b["result"].update(ref_kind="trunk"),
        lambda b: b["result"].update(package_slugs="a"),
        lambda b: b["result"].update(extraction=None),
        lambda b: b["result"]["extraction"].update(parsed=-1),
        lambda b: b["result"]["extraction"].update(cache_hits=True),
        lambda b: b["result"]["extraction"].pop("files_total"),
        lambda b: b["result"]["extraction"].update(unread_sources={".ts": "2"}),
        lambda b: b["result"].update(fetch=[]),
        lambda b: b["result"]["fetch"].update(used_filter="yes"),
        lambda b: b["result"]["fetch"].update(bytes_received=1.5),
        lambda b: b.update(scan_started_at="2026-11-01T12:00:00"),  # no time zone
    ],
)
def test_persist_requested_refuses_anything_else(mutate):
    body = _persist_body()
    mutate(body)
    with pytest.raises(InvalidMessage):
        persist_requested_from_json(json.dumps(body))


def test_notify_requested_round_trip_and_refusals():
    event = scan_failed_event(
        JobEventSource(T, "r", "https://h/m", JOB, "api", "HEAD"),
        stage="scan",
        commit_sha=None,
        snapshot_key={"module_slug": "m", "branch_name": None, "release_tag": None},
        error_code="ref_not_found",
        error_message="no",
    )
    message = NotifyRequested("msg_" + JOB.replace("-", ""), JOB, str(uuid.uuid4()), event)
    assert notify_requested_from_json(notify_requested_to_json(message)) == message
    for bad in (
        "[]",
        "{",
        json.dumps({"v": 1, "type": "notify.requested"}),
        notify_requested_to_json(message).replace('"msg_', '"id_'),
        notify_requested_to_json(message).replace('"scan.failed"', '"other"'),
    ):
        with pytest.raises(InvalidMessage):
            notify_requested_from_json(bad)


def test_webhook_bodies_have_their_keys():
    summary = SnapshotSummary("m", 7, "main", "HEAD", "c" * 40, 1, 2, 3, 4, 5)
    event = snapshot_stored_event(
        JobEventSource(T, "r", "https://h/m", JOB, "webhook", "refs/heads/main"),
        summary=summary,
        changes={"added_count": 1},
        snapshot_url="https://api/snapshots/7",
        unread={".cjs": 2, "commonjs": 1},
    )
    assert event["type"] == "snapshot.stored" and event["timestamp"] == "2026-11-01T12:00:00Z"
    assert set(event["data"]) == {"repository", "job", "commit_sha", "snapshot", "counts", "unread", "changes"}
    assert event["data"]["counts"] == {
        "functions": 1,
        "parameters": 2,
        "return_values": 3,
        "files": 4,
        "problems": 5,
        "unread_files": 3,
    }
    assert event["data"]["unread"] == {".cjs": 2, "commonjs": 1}
    assert event_to_bytes(event) == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def test_claim_check_pointers():
    body = json.dumps({"v": 1, "type": "persist.requested", "job_id": JOB, "repository_id": "r", "result": {}})
    pointer = claim_check_to_json(body, "s3://b/k", 10, "a" * 64)
    assert json.loads(pointer) == {
        "v": 1,
        "type": "persist.requested",
        "job_id": JOB,
        "repository_id": "r",
        "claim_check": {"location": "s3://b/k", "bytes": 10, "sha256": "a" * 64},
    }
    assert claim_check_from_json(pointer) == ("s3://b/k", 10, "a" * 64)
    assert claim_check_from_json(body) is None and claim_check_from_json("nope") is None
    with pytest.raises(InvalidMessage):
        claim_check_from_json(json.dumps({"claim_check": {"location": "s3://b/k"}}))
    assert message_job_id(pointer) == JOB and message_job_id("[1]") is None
