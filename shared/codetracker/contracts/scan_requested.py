"""`scan.requested` (api, reconciler → scanner)."""

from __future__ import annotations

import json
from datetime import datetime

from codetracker.contracts.message_fields import UUID_PATTERN
from codetracker.domain.service import JobTrigger, ScanRequested
from codetracker.errors import InvalidMessage

SCAN_REQUESTED_VERSION = 1
SCAN_REQUESTED_TYPE = "scan.requested"


def scan_requested_to_json(message: ScanRequested) -> str:
    """The scan queue's message body. Version 1:

    {"v": 1, "type": "scan.requested", "job_id": uuid, "repository_id": uuid, "url": normalised URL,
     "ref": "refs/heads/main" | "refs/tags/v1" | a name or commit sha, "trigger": "api" | "webhook" | ...,
     "requested_at": ISO 8601, "fallback_branch": the watched branch,
     "snapshot": {"scope": "repository:<id>", "module_slug": slug, "branch_name": str | null,
                  "release_tag": str | null}}

    No secret travels in it: the scanner reads the registration's encrypted access token from the store."""
    return json.dumps(
        {
            "v": SCAN_REQUESTED_VERSION,
            "type": SCAN_REQUESTED_TYPE,
            "job_id": message.job_id,
            "repository_id": message.repository_id,
            "url": message.url,
            "ref": message.ref,
            "trigger": str(message.trigger),
            "requested_at": message.requested_at.isoformat(),
            "fallback_branch": message.fallback_branch,
            "snapshot": {
                "scope": message.scope,
                "module_slug": message.module_slug,
                "branch_name": message.branch_name,
                "release_tag": message.release_tag,
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def scan_requested_from_json(text: str | bytes) -> ScanRequested:
    """Validate a scan queue message; InvalidMessage (never retried) for anything but a version-1 message."""
    try:
        body = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise InvalidMessage("the message is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidMessage("the message is not a JSON object")
    if body.get("type") != SCAN_REQUESTED_TYPE:
        raise InvalidMessage(f"the message type is {body.get('type')!r}, not {SCAN_REQUESTED_TYPE!r}")
    if body.get("v") != SCAN_REQUESTED_VERSION:
        raise InvalidMessage(f"version {body.get('v')!r} of {SCAN_REQUESTED_TYPE} is not handled")
    snapshot = body.get("snapshot")
    if not isinstance(snapshot, dict):
        raise InvalidMessage("snapshot must be an object")

    def text_field(source: dict, name: str, *, optional: bool = False) -> str | None:
        value = source.get(name)
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value:
            raise InvalidMessage(f"{name} must be a non-empty string")
        return value

    job_id, repository_id = text_field(body, "job_id"), text_field(body, "repository_id")
    for name, value in (("job_id", job_id), ("repository_id", repository_id)):
        if not UUID_PATTERN.fullmatch(value or ""):
            raise InvalidMessage(f"{name} must be a uuid")
    try:
        trigger = JobTrigger(body.get("trigger"))
    except ValueError:
        raise InvalidMessage(f"trigger {body.get('trigger')!r} is not one of the job triggers") from None
    try:
        requested_at = datetime.fromisoformat(text_field(body, "requested_at") or "")
    except ValueError:
        raise InvalidMessage("requested_at must be an ISO 8601 time") from None
    return ScanRequested(
        job_id=job_id or "",
        repository_id=repository_id or "",
        url=text_field(body, "url") or "",
        ref=text_field(body, "ref") or "",
        scope=text_field(snapshot, "scope") or "",
        module_slug=text_field(snapshot, "module_slug") or "",
        fallback_branch=text_field(body, "fallback_branch") or "",
        trigger=trigger,
        requested_at=requested_at,
        branch_name=text_field(snapshot, "branch_name", optional=True),
        release_tag=text_field(snapshot, "release_tag", optional=True),
    )
