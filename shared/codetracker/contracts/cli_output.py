"""What the CLI prints with --json: snapshot summaries and scan outcomes, versioned by SCAN_OUTCOME_FORMAT."""

from __future__ import annotations

from typing import Any

from codetracker.contracts.scan_result import extraction_stats_to_dict, fetch_stats_to_dict
from codetracker.domain.model import SnapshotSummary
from codetracker.domain.scan import ScanResult

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
    # A package's snapshot: of which scan, and whether it is gone; a whole-tree one superseded by packages too.
    if summary.package_of is not None or summary.removed_from_tree_at is not None:
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
    payload["extraction"] = extraction_stats_to_dict(result.extraction)
    if result.fetch is not None:
        payload["fetch"] = fetch_stats_to_dict(result.fetch, transport=False)
    return payload
