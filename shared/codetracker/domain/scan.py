"""What a scan found: the snapshot's key, descriptor and source, and what extraction and the fetch did.

One value from the scanner to the persister: the CLI persists it in the same process, the Lambda pipeline
sends it on the persist queue (contracts/scan_result.py is its wire form).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource


@dataclass(frozen=True, slots=True)
class ExtractionStats:
    files_total: int
    candidates: int
    parsed: int  # blobs parsed in this run (cache misses)
    cache_hits: int
    # JavaScript-family files not read, by why (domain.selection: a suffix such as ".cjs" or ".vue",
    # "commonjs" for files read and found CommonJS, "too large"), most first: said with every result.
    unread_sources: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FetchStats:
    bytes_received: int
    used_filter: bool  # True when trees were fetched first and blobs on demand (protocol v2 filter)
    blobs_fetched: int = 0
    # What happened: "local" (read in place from a local repository, nothing fetched), "filtered" (trees
    # first, then the blobs needed) or "full" (the whole depth-1 pack).
    transport: str = "full"


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What a scan found and where it goes: everything persisting it needs."""

    key: SnapshotKey
    descriptor: Descriptor
    source: SnapshotSource
    scanned_at: datetime  # when the source was read: a later-stored older scan never replaces this one
    extraction: ExtractionStats
    fetch: FetchStats | None = None  # None for folders
    ref_kind: str | None = None  # "branch" | "tag" | "commit" for repositories
    # The slugs of every package of the tree, chosen or not (extracted package by package; else empty): a
    # stored package of this scan's tree that is not among them is gone (usecases/package_scan.py).
    package_slugs: tuple[str, ...] = ()
