"""Scanning: read a folder or fetch one ref of a repository, select and extract its modules → a ScanResult.

Nothing is stored here (persist.py does that): the scanner Lambda sends the result on to the persister, the
CLI persists it in the same process. The blob cache is read and filled as extraction goes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from codetracker.domain.model import SnapshotKey, SnapshotSource
from codetracker.domain.scan import FetchStats, ScanResult
from codetracker.domain.selection import slugify
from codetracker.domain.snapshot_keys import ResolvedRef, snapshot_key_for_ref
from codetracker.domain.snapshot_sources import folder_source, repository_location
from codetracker.ports.clock import Clock
from codetracker.ports.git import FetchLimits, RepositoryAccess, RepositoryFetcher
from codetracker.ports.network import AddressPolicy
from codetracker.usecases.extract import (
    ExtractionPorts,
    ExtractionResult,
    ExtractTreeRequest,
    FolderOpener,
    extract_tree,
)
from codetracker.usecases.scan_requests import ScanFolderRequest, ScanRepositoryRequest
from codetracker.usecases.subtree import Subtree


def scan_folder(
    request: ScanFolderRequest, *, open_folder: FolderOpener, clock: Clock, extraction: ExtractionPorts
) -> ScanResult:
    scanned_at = clock()
    tree = open_folder(str(request.path))
    tree_request = ExtractTreeRequest.of_folder(tree, request)
    result = extract_tree(tree_request, extraction)
    location, subpath = folder_source(tree.location, request.checkout_root)
    source = SnapshotSource(tree.name, tree.location, request.commit_sha, location, subpath)
    key = SnapshotKey(tree_request.module_slug, request.branch_name, request.release_tag, request.scope)
    return _scan_result(key, source, scanned_at, result)


@dataclass(frozen=True)
class FetchPorts:
    """How a repository is fetched: the fetcher within `limits` (the fetch has its own deadline), the address
    policy (the service's) holding its connections and redirects to the URL policy (None: any address), and
    `progress` told the bytes received so far."""

    fetcher: RepositoryFetcher
    limits: FetchLimits = FetchLimits()
    address_policy: AddressPolicy | None = None
    progress: Callable[[int], None] | None = None


def scan_repository(
    request: ScanRepositoryRequest, *, fetching: FetchPorts, clock: Clock, extraction: ExtractionPorts
) -> ScanResult:
    scanned_at = clock()
    with fetching.fetcher.open(
        RepositoryAccess(
            request.url, credentials=request.credentials, limits=fetching.limits, address_policy=fetching.address_policy
        ),
        request.ref,
        progress=fetching.progress,
    ) as tree:
        # --path DIR: that folder alone, named after it by default.
        slug = request.module_slug or slugify(posixpath.basename(request.subpath) or tree.repository_name)
        result = extract_tree(
            ExtractTreeRequest(
                Subtree(tree, request.subpath) if request.subpath else tree,
                slug,
                options=request.options,
                package_names=request.package_names,
            ),
            extraction,
        )
        fetched = tree.ref
        key = snapshot_key_for_ref(
            ResolvedRef(fetched.kind, fetched.name, fetched.commit_sha, fetched.default_branch),
            module_slug=slug,
            scope=request.scope,
            branch_name=request.branch_name,
            release_tag=request.release_tag,
            fallback_branch=request.fallback_branch,
        )
        location = request.source_location or repository_location(tree.display_url)
        source = SnapshotSource(tree.repository_name, tree.display_url, fetched.commit_sha, location, request.subpath)
        return _scan_result(key, source, scanned_at, result, tree.stats(), fetched.kind)


def _scan_result(
    key: SnapshotKey,
    source: SnapshotSource,
    scanned_at: datetime,
    result: ExtractionResult,
    fetch: FetchStats | None = None,
    ref_kind: str | None = None,
) -> ScanResult:
    """What a scan of `source` found, as the persister takes it (`fetch`, `ref_kind`: a repository's)."""
    packages = tuple(f.package.module_slug for f in result.packages.files) if result.packages is not None else ()
    return ScanResult(key, result.descriptor, source, scanned_at, result.stats, fetch, ref_kind, packages)
