"""`persist.requested` (scanner → persister): the whole scan result (its wire form: contracts/scan_result.py)."""

from __future__ import annotations

from codetracker.contracts.message_fields import load_message, message_to_json, moment_field, uuid_field
from codetracker.contracts.scan_result import scan_result_from_dict, scan_result_to_dict
from codetracker.domain.queue_messages import PersistRequested

PERSIST_REQUESTED_VERSION = 1
PERSIST_REQUESTED_TYPE = "persist.requested"


def persist_requested_to_json(message: PersistRequested) -> str:
    """The persist queue's message body. Version 1:

    {"v": 1, "type": "persist.requested", "job_id": uuid, "repository_id": uuid,
     "scan_started_at": ISO 8601, "scan_ended_at": ISO 8601,
     "result": {"key": {"scope", "module_slug", "branch_name", "release_tag"},
                "source": {"name", "folder_path", "commit_sha", "location"?, "subpath"?}, "scanned_at": ISO 8601,
                "ref_kind": "branch" | "tag" | "commit" | null,
                "extraction": {"files_total", "candidates", "parsed", "cache_hits", "unread_sources"},
                "fetch": {"bytes_received", "used_filter", "blobs_fetched", "transport"} | null,
                "descriptor": the descriptor JSON (functions, problems, files, packages),
                "package_slugs"?: [the slug of every package of the tree]}}

    Above the claim-check threshold it travels as a claim check (claim_check_to_json)."""
    return message_to_json(
        PERSIST_REQUESTED_TYPE,
        PERSIST_REQUESTED_VERSION,
        message,
        scan_started_at=message.scan_started_at.isoformat(),
        scan_ended_at=message.scan_ended_at.isoformat(),
        result=scan_result_to_dict(message.result),
    )


def persist_requested_from_json(text: str | bytes) -> PersistRequested:
    """Validate a persist queue message, its scan result decoded; InvalidMessage (never retried) for anything
    but a version-1 message."""
    body = load_message(text, PERSIST_REQUESTED_TYPE, PERSIST_REQUESTED_VERSION)
    return PersistRequested(
        job_id=uuid_field(body, "job_id"),
        repository_id=uuid_field(body, "repository_id"),
        scan_started_at=moment_field(body, "scan_started_at"),
        scan_ended_at=moment_field(body, "scan_ended_at"),
        result=scan_result_from_dict(body.get("result")),
    )
