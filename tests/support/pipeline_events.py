"""SQS and EventBridge events for the pipeline's functions, with the real message contracts.

`python -m tests.support.pipeline_events` (from the repository root) writes `events/scanner|persister|notifier|
reconciler|retention/*.json`, for `sam local invoke ScannerFunction -e events/scanner/<name>.json` and for the
tests, which invoke each handler with every file against the state `seed` (in the test) gives them: the ids
below. Each SQS batch is what the event source mapping delivers, including mixed batches where one record fails
(its job is not stored: retried) beside a malformed record (dropped, never retried) and good ones.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.support import api_events as ev

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

REPOSITORY_ID = ev.REPOSITORY_ID  # callback: the test's receiver
SECOND_REPOSITORY_ID = "6e7f8091-a2b3-4c4d-9e5f-60718293a4b5"  # callback: a closed port (retried)
SCAN_JOB = "1f2e3d4c-5b6a-4978-8a1b-2c3d4e5f6a01"
SCAN_JOB_2 = "1f2e3d4c-5b6a-4978-8a1b-2c3d4e5f6a02"
SCAN_MISSING_REF_JOB = "1f2e3d4c-5b6a-4978-8a1b-2c3d4e5f6a03"
PERSIST_JOB = "2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7a01"
PERSIST_JOB_2 = "2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7a02"
CLAIMED_JOB = "2a3b4c5d-6e7f-4081-9a2b-3c4d5e6f7a03"
NOTIFY_JOB = "3b4c5d6e-7f80-4192-8b3c-4d5e6f7a8b01"
NOTIFY_JOB_2 = "3b4c5d6e-7f80-4192-8b3c-4d5e6f7a8b02"
NOT_STORED_JOB = "4c5d6e7f-8091-4a23-9c4d-5e6f7a8b9c01"  # no such job: its record is retried
PAYLOAD_BUCKET = "codetracker-payloads-events"
REPOSITORY_URL = ev.REPOSITORY_URL
SCOPE = f"repository:{REPOSITORY_ID}"


def _message_id(n: int) -> str:
    return f"059f36b4-87a3-44ab-83d2-661975830a{n:02d}"


def sqs_record(
    queue: str, body: str, n: int, *, receive_count: int = 1, attributes: dict | None = None
) -> dict[str, Any]:
    return {
        "messageId": _message_id(n),
        "receiptHandle": f"AQEB{queue}{n:04d}receipt==",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": str(receive_count),
            "SentTimestamp": "1793534400000",
            "SenderId": "AIDAIENQZJOLO23YVJ4VO",
            "ApproximateFirstReceiveTimestamp": "1793534400100",
        },
        "messageAttributes": {
            name: {"stringValue": value, "stringListValues": [], "binaryListValues": [], "dataType": "String"}
            for name, value in (attributes or {}).items()
        },
        "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:codetracker-{queue}",
        "awsRegion": REGION,
    }


def scan_body(job_id: str, ref: str = "refs/heads/main") -> str:
    from codetracker.contracts.scan_requested import scan_requested_to_json
    from codetracker.domain.job import JobTrigger
    from codetracker.domain.queue_messages import ScanRequested

    return scan_requested_to_json(
        ScanRequested(
            job_id,
            REPOSITORY_ID,
            REPOSITORY_URL,
            ref,
            SCOPE,
            "hello-js",
            "main",
            JobTrigger.API,
            AT,
        )
    )


def scan_result(commit: str = ev.PUSHED_COMMIT, functions: int = 2) -> dict[str, Any]:
    names = ["camel", "kebab", "snake", "title"]
    return {
        "key": {"scope": SCOPE, "module_slug": "hello-js", "branch_name": "main", "release_tag": "HEAD"},
        "source": {"name": "hello-js", "folder_path": REPOSITORY_URL, "commit_sha": commit},
        "scanned_at": AT.isoformat(),
        "ref_kind": "branch",
        "extraction": {"files_total": 3, "candidates": 1, "parsed": 1, "cache_hits": 0, "unread_sources": {}},
        "fetch": {"bytes_received": 2048, "used_filter": True, "blobs_fetched": 1, "transport": "filtered"},
        "descriptor": {
            "module_slug": "hello-js",
            "functions": [
                {
                    "name": name,
                    "file_path": "src/index.mjs",
                    "export_type": "named",
                    "is_async": False,
                    "description": f"{name} it.",
                    "jsdoc_raw": None,
                    "order_in_file": i,
                    "parameters": [
                        {
                            "name": "value",
                            "position": 0,
                            "type": "string",
                            "is_optional": False,
                            "is_rest": False,
                            "default_value": None,
                            "doc_default": None,
                            "description": "the input",
                        }
                    ],
                    "return_values": [{"type": "string", "description": None}],
                }
                for i, name in enumerate(names[:functions])
            ],
            "problems": [],
            "files": [{"path": "src/index.mjs", "kind": "file", "size": 120, "sha": "e" * 40}],
        },
    }


def persist_body(job_id: str, **result: Any) -> str:
    from codetracker.contracts.persist_requested import persist_requested_to_json
    from codetracker.contracts.scan_result import scan_result_from_dict
    from codetracker.domain.queue_messages import PersistRequested

    return persist_requested_to_json(
        PersistRequested(job_id, REPOSITORY_ID, AT, AT, scan_result_from_dict(scan_result(**result)))
    )


def claim_payloads() -> dict[str, bytes]:
    """Objects the claim-check events point at (the test puts them in the bucket first)."""
    return {
        f"s3://{PAYLOAD_BUCKET}/claims/persist.requested/{CLAIMED_JOB}/events.json": persist_body(CLAIMED_JOB).encode()
    }


def claim_body() -> str:
    from codetracker.contracts.claim_check import claim_check_to_json

    ((location, data),) = claim_payloads().items()
    return claim_check_to_json(data.decode(), location, len(data), hashlib.sha256(data).hexdigest())


def notify_body(job_id: str, repository_id: str = REPOSITORY_ID) -> str:
    from codetracker.contracts.notify_requested import notify_requested_to_json
    from codetracker.contracts.webhooks import JobEventSource, snapshot_stored_event
    from codetracker.domain.model import SnapshotSummary
    from codetracker.domain.notifications import notification_id
    from codetracker.domain.queue_messages import NotifyRequested

    event = snapshot_stored_event(
        JobEventSource(AT, repository_id, REPOSITORY_URL, job_id, "webhook", "refs/heads/main"),
        summary=SnapshotSummary("hello-js", ev.SNAPSHOT_ID, "main", "HEAD", ev.PUSHED_COMMIT, 3, 3, 3, 1, 0),
        changes={
            "first_snapshot": False,
            "previous_commit": ev.PREVIOUS_COMMIT,
            "added_count": 1,
            "removed_count": 0,
            "changed_count": 0,
            "added": [{"file_path": "src/index.mjs", "name": "snake"}],
            "removed": [],
            "changed": [],
            "truncated": False,
            "public": {
                "count": 2,
                "added_count": 1,
                "removed_count": 0,
                "changed_count": 0,
                "added": [{"subpath": ".", "export_name": "snake", "file_path": "src/index.mjs", "name": "snake"}],
                "removed": [],
                "changed": [],
                "truncated": False,
            },
        },
        snapshot_url=f"https://api.codetracker.example/snapshots/{ev.SNAPSHOT_ID}",
    )
    return notify_requested_to_json(NotifyRequested(notification_id(job_id), job_id, repository_id, event))


MALFORMED = '{"v": 1, "type": "scan.requested", "job_id": "not a uuid"'


def scheduled_event(rule: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "time": "2026-11-01T12:00:00Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{rule}"],
        "detail": {},
    }


def sample_events() -> dict[str, dict[str, dict[str, Any]]]:
    """function → file name → event."""
    return {
        "scanner": {
            "scan-requested": {"Records": [sqs_record("scan", scan_body(SCAN_JOB), 1)]},
            "scan-ref-not-found": {
                "Records": [sqs_record("scan", scan_body(SCAN_MISSING_REF_JOB, "refs/heads/nope"), 2)]
            },
            "scan-mixed-batch": {
                "Records": [
                    sqs_record("scan", scan_body(SCAN_JOB_2), 3),
                    sqs_record("scan", scan_body(NOT_STORED_JOB), 4, receive_count=2),  # retried
                    sqs_record("scan", MALFORMED, 5),  # dropped
                ]
            },
        },
        "persister": {
            "persist-requested": {"Records": [sqs_record("persist", persist_body(PERSIST_JOB), 11)]},
            "persist-claim-check": {"Records": [sqs_record("persist", claim_body(), 12)]},
            "persist-mixed-batch": {
                "Records": [
                    sqs_record("persist", persist_body(PERSIST_JOB_2, functions=3), 13),
                    sqs_record("persist", persist_body(NOT_STORED_JOB), 14),  # retried
                    sqs_record("persist", json.dumps({"v": 9, "type": "persist.requested", "job_id": PERSIST_JOB}), 15),
                ]
            },
            "persist-duplicate": {
                "Records": [
                    sqs_record("persist", persist_body(PERSIST_JOB), 16),
                    sqs_record("persist", persist_body(PERSIST_JOB), 17, receive_count=2),
                ]
            },
        },
        "notifier": {
            "notify-snapshot-stored": {"Records": [sqs_record("notify", notify_body(NOTIFY_JOB), 21)]},
            "notify-redriven": {
                "Records": [
                    sqs_record("notify", notify_body(NOTIFY_JOB), 22, attributes={"redriven_from": _message_id(21)})
                ]
            },
            "notify-mixed-batch": {
                "Records": [
                    sqs_record("notify", notify_body(NOTIFY_JOB), 23),
                    sqs_record(
                        "notify", notify_body(NOTIFY_JOB_2, SECOND_REPOSITORY_ID), 24, receive_count=2
                    ),  # retried
                    sqs_record("notify", "not json at all", 25),
                ]
            },
        },
        "reconciler": {"scheduled": scheduled_event("codetracker-reconcile")},
        "retention": {"scheduled": scheduled_event("codetracker-retention")},
    }


def write_events(root: Path = EVENTS) -> list[Path]:
    written = []
    for function, events in sample_events().items():
        folder = root / function
        folder.mkdir(parents=True, exist_ok=True)
        for name, event in events.items():
            path = folder / f"{name}.json"
            path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_events():
        print(path.relative_to(ROOT), file=sys.stderr)
