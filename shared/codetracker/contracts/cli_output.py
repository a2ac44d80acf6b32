"""What the CLI prints with --json: snapshot summaries and scan outcomes, versioned by SCAN_OUTCOME_FORMAT."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.domain.model import SnapshotSummary

if TYPE_CHECKING:
    from codetracker.usecases.scan import ScanResult


SCAN_OUTCOME_FORMAT = 1

SUMMARY_FIELDS = (
    "module_slug",
    "snapshot_id",
    "branch_name",
    "release_tag",
    "commit_sha",
    "functions_count",
    "parameters_count",
    "return_values_count",
    "files_count",
    "problems_count",
    "last_scanned_at",
)


def summary_to_dict(summary: SnapshotSummary) -> dict[str, Any]:
    """A snapshot summary as the CLI prints it (the scope is left out: the CLI has one), with where it was
    scanned from: {"location": normal URL or file://PATH, "subpath": folder within it or ""}, null when not
    recorded (a snapshot stored before sources were)."""
    fields = {name: getattr(summary, name) for name in SUMMARY_FIELDS}
    fields["source"] = (
        None
        if summary.source_location is None
        else {"location": summary.source_location, "subpath": summary.source_subpath}
    )
    if summary.package_of is not None:  # a package's snapshot: of which scan, and whether it is gone
        fields["package_of"] = summary.package_of
        fields["package"] = summary.package_name
        fields["removed_from_tree"] = (
            None
            if summary.removed_from_tree_at is None
            else {"at": summary.removed_from_tree_at, "commit_sha": summary.removed_from_tree_commit}
        )
    return fields


def scan_outcome_to_dict(summary: SnapshotSummary, result: ScanResult) -> dict[str, Any]:
    """What `codetracker scan --json` prints: the stored snapshot's summary, what extraction did and, for
    repositories, what the fetch transferred."""
    payload = summary_to_dict(summary)
    stats = result.extraction
    payload["extraction"] = {
        "files_total": stats.files_total,
        "candidates": stats.candidates,
        "parsed": stats.parsed,
        "cache_hits": stats.cache_hits,
        "unread_sources": dict(stats.unread_sources),
    }
    if result.fetch is not None:
        payload["fetch"] = {
            "bytes_received": result.fetch.bytes_received,
            "used_filter": result.fetch.used_filter,
            "blobs_fetched": result.fetch.blobs_fetched,
        }
    return payload
