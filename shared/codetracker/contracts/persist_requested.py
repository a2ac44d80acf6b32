"""`persist.requested` (scanner → persister): the whole scan result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from codetracker.contracts.descriptor import descriptor_from_dict, descriptor_to_dict
from codetracker.contracts.message_fields import (
    check_header,
    dump_json,
    load_object,
    moment_field,
    subpath_field,
    text_field,
    uuid_field,
)
from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource
from codetracker.domain.service import PersistRequested
from codetracker.errors import InvalidMessage

if TYPE_CHECKING:
    from codetracker.usecases.scan import ScanResult


PERSIST_REQUESTED_VERSION = 1
PERSIST_REQUESTED_TYPE = "persist.requested"


@dataclass(frozen=True, slots=True)
class DecodedScan:
    """A scan result as the persister receives it."""

    key: SnapshotKey
    descriptor: Descriptor
    source: SnapshotSource
    scanned_at: datetime
    ref_kind: str | None
    extraction: dict[str, Any]
    fetch: dict[str, Any] | None
    package_slugs: tuple[str, ...] = ()  # ScanResult.package_slugs (absent from older messages)


def scan_result_to_dict(result: ScanResult) -> dict[str, Any]:
    stats = result.extraction
    return {
        "key": {
            "scope": result.key.scope,
            "module_slug": result.key.module_slug,
            "branch_name": result.key.branch_name,
            "release_tag": result.key.release_tag,
        },
        "source": {
            "name": result.source.name,
            "folder_path": result.source.folder_path,
            "commit_sha": result.source.commit_sha,
            "location": result.source.location,
            "subpath": result.source.subpath,
        },
        "scanned_at": result.scanned_at.isoformat(),
        "ref_kind": result.ref_kind,
        "extraction": {
            "files_total": stats.files_total,
            "candidates": stats.candidates,
            "parsed": stats.parsed,
            "cache_hits": stats.cache_hits,
            "unread_sources": dict(stats.unread_sources),
        },
        "fetch": None
        if result.fetch is None
        else {
            "bytes_received": result.fetch.bytes_received,
            "used_filter": result.fetch.used_filter,
            "blobs_fetched": result.fetch.blobs_fetched,
            "transport": result.fetch.transport,
        },
        "descriptor": descriptor_to_dict(result.descriptor),
        "package_slugs": list(result.package_slugs),
    }


def decode_scan(result: dict[str, Any]) -> DecodedScan:
    """The result part of a persist.requested message; InvalidMessage for any other shape."""
    if not isinstance(result, dict):
        raise InvalidMessage("result must be an object")
    key, source = result.get("key"), result.get("source")
    if not isinstance(key, dict) or not isinstance(source, dict):
        raise InvalidMessage("result.key and result.source must be objects")
    extraction, fetch = result.get("extraction"), result.get("fetch")
    if not isinstance(extraction, dict) or not (fetch is None or isinstance(fetch, dict)):
        raise InvalidMessage("result.extraction must be an object, result.fetch an object or null")
    try:
        descriptor = descriptor_from_dict(result["descriptor"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidMessage("result.descriptor is not a descriptor") from None
    ref_kind = result.get("ref_kind")
    if ref_kind not in (None, "branch", "tag", "commit"):
        raise InvalidMessage("result.ref_kind must be branch, tag, commit or null")
    return DecodedScan(
        key=SnapshotKey(
            text_field(key, "module_slug") or "",
            text_field(key, "branch_name") or "",
            text_field(key, "release_tag") or "",
            text_field(key, "scope") or "",
        ),
        descriptor=descriptor,
        source=SnapshotSource(
            text_field(source, "name") or "",
            text_field(source, "folder_path", optional=True),
            text_field(source, "commit_sha", optional=True),
            # Absent from messages sent before sources were recorded: the stored source is kept.
            text_field(source, "location", optional=True),
            subpath_field(source),
        ),
        scanned_at=moment_field(result, "scanned_at"),
        ref_kind=ref_kind,
        extraction=extraction,
        fetch=fetch,
        package_slugs=_package_slugs(result),
    )


def _package_slugs(result: dict[str, Any]) -> tuple[str, ...]:
    slugs = result.get("package_slugs", [])
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise InvalidMessage("result.package_slugs must be a list of strings")
    return tuple(slugs)


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
    return dump_json(
        {
            "v": PERSIST_REQUESTED_VERSION,
            "type": PERSIST_REQUESTED_TYPE,
            "job_id": message.job_id,
            "repository_id": message.repository_id,
            "scan_started_at": message.scan_started_at.isoformat(),
            "scan_ended_at": message.scan_ended_at.isoformat(),
            "result": message.result,
        }
    )


def decode_persist_requested(text: str | bytes) -> tuple[PersistRequested, DecodedScan]:
    """Validate a persist queue message: the message and its scan result, decoded once; InvalidMessage (never
    retried) for anything but a version-1 message."""
    body = load_object(text)
    check_header(body, PERSIST_REQUESTED_TYPE, PERSIST_REQUESTED_VERSION)
    result = body.get("result")
    scan = decode_scan(result)  # type: ignore[arg-type]
    message = PersistRequested(
        job_id=uuid_field(body, "job_id"),
        repository_id=uuid_field(body, "repository_id"),
        scanned_at=scan.scanned_at,
        scan_started_at=moment_field(body, "scan_started_at"),
        scan_ended_at=moment_field(body, "scan_ended_at"),
        result=result,  # type: ignore[arg-type]
    )
    return message, scan


def persist_requested_from_json(text: str | bytes) -> PersistRequested:
    return decode_persist_requested(text)[0]
