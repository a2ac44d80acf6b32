"""A ScanResult's wire form (the `result` of a persist.requested message) and its parts' shapes, which the
CLI's --json output and a job's result share. Version: the message's."""

from __future__ import annotations

from typing import Any

from codetracker.contracts.descriptor import descriptor_from_dict, descriptor_to_dict
from codetracker.contracts.message_fields import moment_field, subpath_field, text_field
from codetracker.contracts.records import field_names, record_to_dict
from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.scan import ExtractionStats, FetchStats, ScanResult
from codetracker.errors import InvalidMessage

REF_KINDS = (None, "branch", "tag", "commit")
EXTRACTION_KEYS = field_names(ExtractionStats)


def extraction_stats_to_dict(stats: ExtractionStats) -> dict[str, Any]:
    return record_to_dict(stats, EXTRACTION_KEYS, {"unread_sources": dict})


def fetch_stats_to_dict(stats: FetchStats, *, transport: bool = True) -> dict[str, Any]:
    """`transport=False`: the CLI's shape, which predates the field."""
    out: dict[str, Any] = {
        "bytes_received": stats.bytes_received,
        "used_filter": stats.used_filter,
        "blobs_fetched": stats.blobs_fetched,
    }
    if transport:
        out["transport"] = stats.transport
    return out


def scan_result_to_dict(result: ScanResult) -> dict[str, Any]:
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
        "extraction": extraction_stats_to_dict(result.extraction),
        "fetch": None if result.fetch is None else fetch_stats_to_dict(result.fetch),
        "descriptor": descriptor_to_dict(result.descriptor),
        "package_slugs": list(result.package_slugs),
    }


def scan_result_from_dict(result: Any) -> ScanResult:
    """The result part of a persist.requested message; InvalidMessage for any other shape."""
    if not isinstance(result, dict):
        raise InvalidMessage("result must be an object")
    key, source = result.get("key"), result.get("source")
    if not isinstance(key, dict) or not isinstance(source, dict):
        raise InvalidMessage("result.key and result.source must be objects")
    try:
        descriptor = descriptor_from_dict(result["descriptor"])
    except (KeyError, TypeError, ValueError, AttributeError):
        raise InvalidMessage("result.descriptor is not a descriptor") from None
    ref_kind = result.get("ref_kind")
    if ref_kind not in REF_KINDS:
        raise InvalidMessage("result.ref_kind must be branch, tag, commit or null")
    return ScanResult(
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
        extraction=_extraction_stats(result.get("extraction")),
        fetch=_fetch_stats(result.get("fetch")),
        ref_kind=ref_kind,
        package_slugs=_package_slugs(result),
    )


def _count(source: dict[str, Any], name: str, default: int | None = None) -> int:
    value = source.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidMessage(f"{name} must be a count (a whole number ≥ 0)")
    return value


def _extraction_stats(extraction: Any) -> ExtractionStats:
    if not isinstance(extraction, dict):
        raise InvalidMessage("result.extraction must be an object")
    unread = extraction.get("unread_sources", {})
    if not isinstance(unread, dict) or not all(isinstance(k, str) for k in unread):
        raise InvalidMessage("unread_sources must be an object of counts")
    return ExtractionStats(
        files_total=_count(extraction, "files_total"),
        candidates=_count(extraction, "candidates"),
        parsed=_count(extraction, "parsed"),
        cache_hits=_count(extraction, "cache_hits"),
        unread_sources={reason: _count(unread, reason) for reason in unread},
    )


def _fetch_stats(fetch: Any) -> FetchStats | None:
    if fetch is None:
        return None
    if not isinstance(fetch, dict):
        raise InvalidMessage("result.fetch must be an object or null")
    used_filter, transport = fetch.get("used_filter"), fetch.get("transport", "full")
    if not isinstance(used_filter, bool) or not isinstance(transport, str):
        raise InvalidMessage("result.fetch.used_filter must be true or false, transport a string")
    return FetchStats(
        bytes_received=_count(fetch, "bytes_received"),
        used_filter=used_filter,
        blobs_fetched=_count(fetch, "blobs_fetched", 0),
        transport=transport,
    )


def _package_slugs(result: dict[str, Any]) -> tuple[str, ...]:
    slugs = result.get("package_slugs", [])
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise InvalidMessage("result.package_slugs must be a list of strings")
    return tuple(slugs)
