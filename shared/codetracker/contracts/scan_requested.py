"""`scan.requested` (api, reconciler → scanner)."""

from __future__ import annotations

from codetracker.contracts.message_fields import load_message, message_to_json, moment_field, text_field, uuid_field
from codetracker.domain.job import JobTrigger
from codetracker.domain.queue_messages import ScanRequested
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
    return message_to_json(
        SCAN_REQUESTED_TYPE,
        SCAN_REQUESTED_VERSION,
        message,
        url=message.url,
        ref=message.ref,
        trigger=str(message.trigger),
        requested_at=message.requested_at.isoformat(),
        fallback_branch=message.fallback_branch,
        snapshot={
            "scope": message.scope,
            "module_slug": message.module_slug,
            "branch_name": message.branch_name,
            "release_tag": message.release_tag,
        },
    )


def scan_requested_from_json(text: str | bytes) -> ScanRequested:
    """Validate a scan queue message; InvalidMessage (never retried) for anything but a version-1 message."""
    body = load_message(text, SCAN_REQUESTED_TYPE, SCAN_REQUESTED_VERSION)
    snapshot = body.get("snapshot")
    if not isinstance(snapshot, dict):
        raise InvalidMessage("snapshot must be an object")
    try:
        trigger = JobTrigger(str(body.get("trigger")))
    except ValueError:
        raise InvalidMessage(f"trigger {body.get('trigger')!r} is not one of the job triggers") from None
    return ScanRequested(
        job_id=uuid_field(body, "job_id"),
        repository_id=uuid_field(body, "repository_id"),
        url=text_field(body, "url") or "",
        ref=text_field(body, "ref") or "",
        scope=text_field(snapshot, "scope") or "",
        module_slug=text_field(snapshot, "module_slug") or "",
        fallback_branch=text_field(body, "fallback_branch") or "",
        trigger=trigger,
        requested_at=moment_field(body, "requested_at"),
        branch_name=text_field(snapshot, "branch_name", optional=True),
        release_tag=text_field(snapshot, "release_tag", optional=True),
    )
