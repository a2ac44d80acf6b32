"""The scan queue message (version 1) and the listing cursors: round trips, and garbage refused by type."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest

from codetracker.contracts.scan_requested import scan_requested_from_json, scan_requested_to_json
from codetracker.domain.job import JobTrigger
from codetracker.domain.queue_messages import ScanRequested
from codetracker.errors import InvalidMessage

MESSAGE = ScanRequested(
    job_id=str(uuid.uuid4()),
    repository_id=str(uuid.uuid4()),
    url="https://github.com/o/r",
    ref="v1.0.0",
    scope="repository:x",
    module_slug="r",
    fallback_branch="main",
    trigger=JobTrigger.API,
    requested_at=datetime(2026, 11, 1, 8, 30, tzinfo=UTC),
    branch_name=None,
    release_tag="v1.0.0",
)


def test_scan_requested_round_trip_and_shape():
    body = scan_requested_to_json(MESSAGE)
    decoded = json.loads(body)
    assert decoded["v"] == 1 and decoded["type"] == "scan.requested"
    assert "access_token" not in body and "token" not in decoded
    assert scan_requested_from_json(body) == MESSAGE


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(v=2),
        lambda d: d.update(type="snapshot.stored"),
        lambda d: d.pop("job_id"),
        lambda d: d.update(job_id="not-a-uuid"),
        lambda d: d.update(trigger="cron"),
        lambda d: d.update(requested_at="yesterday"),
        lambda d: d.update(requested_at="2026-11-01T08:30:00"),  # no time zone
        lambda d: d.update(snapshot=[]),
        lambda d: d["snapshot"].update(scope=""),
    ],
)
def test_malformed_messages_are_invalid_messages(mutate):
    decoded = json.loads(scan_requested_to_json(MESSAGE))
    mutate(decoded)
    with pytest.raises(InvalidMessage):
        scan_requested_from_json(json.dumps(decoded))


@pytest.mark.parametrize("garbage", ["", "[]", "{", b"\xff", "null", '"x"'])
def test_garbage_is_an_invalid_message(garbage):
    with pytest.raises(InvalidMessage):
        scan_requested_from_json(garbage)
