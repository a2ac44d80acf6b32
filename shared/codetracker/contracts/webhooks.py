"""The webhook bodies the notifier POSTs (`snapshot.stored`, `scan.failed`), signed per Standard Webhooks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from codetracker.contracts.message_fields import dump_json
from codetracker.domain.model import SnapshotSummary

NOTIFICATION_TYPES = ("snapshot.stored", "scan.failed")


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class JobEventSource:
    """What every event is about, and when: the repository (its id and URL) and the job (id, trigger, ref)."""

    at: datetime
    repository_id: str
    repository_url: str
    job_id: str
    trigger: str
    ref: str


def _job_event(kind: str, source: JobEventSource, job: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """{"type", "timestamp", "data": {"repository", "job", …data}}: what both events start with."""
    about = {
        "repository": {"id": source.repository_id, "url": source.repository_url},
        "job": {"id": source.job_id, "trigger": source.trigger, "ref": source.ref, **job},
    }
    return {"type": kind, "timestamp": _utc_text(source.at), "data": about | data}


def snapshot_stored_event(
    source: JobEventSource,
    *,
    summary: SnapshotSummary,
    changes: dict[str, Any],
    snapshot_url: str | None,
    unread: dict[str, int] | None = None,
    packages: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """{"type": "snapshot.stored", "timestamp": ISO 8601 UTC,
    "data": {"repository": {"id", "url"}, "job": {"id", "trigger", "ref"}, "commit_sha",
             "snapshot": {"id", "module_slug", "branch_name", "release_tag", "url"},
             "counts": {"functions", "parameters", "return_values", "files", "problems", "unread_files"},
             "unread": {why: files} (JavaScript-family files not read: ".cjs", "commonjs", "too large"…),
             "changes": {"first_snapshot", "previous_commit", "added_count", "removed_count",
                         "changed_count", "added", "removed", "changed" (≤100 {file_path, name} each),
                         "truncated", "public": a package's public functions apart, null when the snapshot
                         has no public API: {"count", "added_count", "removed_count", "changed_count", "added",
                         "removed", "changed" (≤100 {subpath, export_name, file_path, name} each), "truncated"}},
             "packages"?: (a tree with packages; "snapshot", "counts" and "changes" are then its primary
                 package's: the registration's slug, else the root package, else the first)
                 {"stored": [{"module_slug", "name", "version", "path", "private", "release_tag",
                              "outcome": "stored" | "stale", "snapshot_id"?, "functions"?, "changes"?, "url"}],
                  "removed": [module slugs gone from the tree at this commit, marked removed]}}}"""
    event = _job_event(
        "snapshot.stored",
        source,
        {},
        {
            "commit_sha": summary.commit_sha,
            "snapshot": {
                "id": summary.snapshot_id,
                "module_slug": summary.module_slug,
                "branch_name": summary.branch_name,
                "release_tag": summary.release_tag,
                "url": snapshot_url,
            },
            "counts": {
                "functions": summary.functions_count,
                "parameters": summary.parameters_count,
                "return_values": summary.return_values_count,
                "files": summary.files_count,
                "problems": summary.problems_count,
                "unread_files": sum((unread or {}).values()),
            },
            "unread": dict(unread or {}),
            "changes": changes,
        },
    )
    if packages is not None:
        event["data"]["packages"] = packages
    return event


def scan_failed_event(
    source: JobEventSource,
    *,
    stage: str,
    commit_sha: str | None,
    snapshot_key: dict[str, str | None],
    error_code: str,
    error_message: str,
) -> dict[str, Any]:
    """{"type": "scan.failed", "timestamp": ISO 8601 UTC,
    "data": {"repository": {"id", "url"}, "job": {"id", "trigger", "ref", "stage": "scan" | "persist"},
             "commit_sha": str | null, "snapshot": {"module_slug", "branch_name", "release_tag"},
             "error": {"code", "message"}}}"""
    return _job_event(
        "scan.failed",
        source,
        {"stage": stage},
        {"commit_sha": commit_sha, "snapshot": snapshot_key, "error": {"code": error_code, "message": error_message}},
    )


def event_to_bytes(event: dict[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact JSON, UTF-8."""
    return dump_json(event).encode("utf-8")
