"""The pipeline's wire formats: persist.requested, notify.requested and claim checks are version 1, read back as
sent, and anything else is an InvalidMessage (never retried); the webhook bodies have their documented keys."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from codetracker import contracts
from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotKey, SnapshotSource, SnapshotSummary
from codetracker.domain.service import NotifyRequested
from codetracker.errors import InvalidMessage
from codetracker.ports.git import FetchStats
from codetracker.usecases.extract import ExtractionStats
from codetracker.usecases.scan import ScanResult

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


def test_a_scan_result_round_trips_through_persist_requested():
    from codetracker.domain.service import PersistRequested

    message = PersistRequested(JOB, str(uuid.uuid4()), T, T, T, contracts.scan_result_to_dict(_result()))
    text = contracts.persist_requested_to_json(message)
    decoded, scan = contracts.decode_persist_requested(text)
    assert decoded == message
    assert (scan.key, scan.descriptor, scan.source, scan.scanned_at) == (
        _result().key,
        _result().descriptor,
        _result().source,
        T,
    )
    assert scan.extraction["unread_sources"] == {".ts": 2} and scan.fetch["transport"] == "filtered"
    assert json.loads(text)["v"] == 1 and json.loads(text)["type"] == "persist.requested"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: b.update(v=2),
        lambda b: b.update(type="scan.requested"),
        lambda b: b.update(job_id="7"),
        lambda b: b["result"].update(descriptor={"functions": 3}),
        lambda b: b["result"].update(scanned_at="yesterday"),
        lambda b: b["result"]["key"].update(scope=""),
        lambda b: b.update(scan_started_at="2026-11-01T12:00:00"),  # no time zone
    ],
)
def test_persist_requested_refuses_anything_else(mutate):
    from codetracker.domain.service import PersistRequested

    body = json.loads(
        contracts.persist_requested_to_json(
            PersistRequested(JOB, str(uuid.uuid4()), T, T, T, contracts.scan_result_to_dict(_result()))
        )
    )
    mutate(body)
    with pytest.raises(InvalidMessage):
        contracts.decode_persist_requested(json.dumps(body))


def test_notify_requested_round_trip_and_refusals():
    event = contracts.scan_failed_event(
        at=T,
        repository_id="r",
        repository_url="https://h/m",
        job_id=JOB,
        trigger="api",
        ref="HEAD",
        stage="scan",
        commit_sha=None,
        snapshot_key={"module_slug": "m", "branch_name": None, "release_tag": None},
        error_code="ref_not_found",
        error_message="no",
    )
    message = NotifyRequested("msg_" + JOB.replace("-", ""), JOB, str(uuid.uuid4()), event)
    assert contracts.notify_requested_from_json(contracts.notify_requested_to_json(message)) == message
    for bad in (
        "[]",
        "{",
        json.dumps({"v": 1, "type": "notify.requested"}),
        contracts.notify_requested_to_json(message).replace('"msg_', '"id_'),
        contracts.notify_requested_to_json(message).replace('"scan.failed"', '"other"'),
    ):
        with pytest.raises(InvalidMessage):
            contracts.notify_requested_from_json(bad)


def test_webhook_bodies_have_their_keys():
    summary = SnapshotSummary("m", 7, "main", "HEAD", "c" * 40, 1, 2, 3, 4, 5)
    event = contracts.snapshot_stored_event(
        at=T,
        repository_id="r",
        repository_url="https://h/m",
        job_id=JOB,
        trigger="webhook",
        ref="refs/heads/main",
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
    assert contracts.event_to_bytes(event) == json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


def test_claim_check_pointers():
    body = json.dumps({"v": 1, "type": "persist.requested", "job_id": JOB, "repository_id": "r", "result": {}})
    pointer = contracts.claim_check_to_json(body, "s3://b/k", 10, "a" * 64)
    assert json.loads(pointer) == {
        "v": 1,
        "type": "persist.requested",
        "job_id": JOB,
        "repository_id": "r",
        "claim_check": {"location": "s3://b/k", "bytes": 10, "sha256": "a" * 64},
    }
    assert contracts.claim_check_from_json(pointer) == ("s3://b/k", 10, "a" * 64)
    assert contracts.claim_check_from_json(body) is None and contracts.claim_check_from_json("nope") is None
    with pytest.raises(InvalidMessage):
        contracts.claim_check_from_json(json.dumps({"claim_check": {"location": "s3://b/k"}}))
    assert contracts.message_job_id(pointer) == JOB and contracts.message_job_id("[1]") is None
