"""Scanning: read a folder or fetch one ref of a repository, select and extract its modules → a ScanResult.

Nothing is stored here (persist.py does that): the scanner Lambda sends the result on to the persister, the
CLI persists it in the same process. The blob cache is read and filled as extraction goes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Sequence

from codetracker.domain.model import Checkpoint, SnapshotKey, SnapshotSource
from codetracker.domain.scan import ScanResult
from codetracker.domain.selection import SelectionOptions, slugify
from codetracker.domain.snapshot_keys import ResolvedRef, snapshot_key_for_ref
from codetracker.domain.snapshot_sources import folder_source, repository_location
from codetracker.ports.blob_cache import ParsedBlobCache
from codetracker.ports.clock import Clock
from codetracker.ports.git import FetchLimits, RepositoryFetcher
from codetracker.ports.network import AddressPolicy
from codetracker.ports.parsing import Extractor
from codetracker.usecases.extract import ExtractionResult, FolderOpener, Progress, extract_tree
from codetracker.usecases.requests import FolderScanRequest, RepositoryScanRequest
from codetracker.usecases.subtree import Subtree


def scan_folder(
    request: FolderScanRequest,
    *,
    open_folder: FolderOpener,
    extractor: Extractor,
    clock: Clock,
    cache: ParsedBlobCache | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
    package_names: Sequence[str] | None = None,
) -> ScanResult:
    """`package_names` (empty: every package) extracts the folder package by package (usecases.package_scan
    splits the result into one snapshot per package)."""
    scanned_at = clock()
    tree = open_folder(str(request.path))
    slug = request.module_slug or slugify(tree.name)
    result = extract_tree(
        tree,
        module_slug=slug,
        extractor=extractor,
        cache=cache,
        options=options,
        progress=progress,
        source_problems=tree.problems(),
        checkpoint=checkpoint,
        package_names=package_names,
    )
    location, subpath = folder_source(tree.location, request.checkout_root)
    return ScanResult(
        key=SnapshotKey(slug, request.branch_name, request.release_tag, request.scope),
        descriptor=result.descriptor,
        source=SnapshotSource(
            name=tree.name,
            folder_path=tree.location,
            commit_sha=request.commit_sha,
            location=location,
            subpath=subpath,
        ),
        scanned_at=scanned_at,
        extraction=result.stats,
        package_slugs=_package_slugs(result),
    )


def scan_repository(
    request: RepositoryScanRequest,
    *,
    fetcher: RepositoryFetcher,
    extractor: Extractor,
    clock: Clock,
    cache: ParsedBlobCache | None = None,
    limits: FetchLimits = FetchLimits(),
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
    fetch_progress: Callable[[int], None] | None = None,
    address_policy: AddressPolicy | None = None,
    checkpoint: Checkpoint | None = None,
    package_names: Sequence[str] | None = None,
) -> ScanResult:
    """fetch_progress is told the bytes received so far while the fetch runs; address_policy (the service's)
    holds the fetch's connections and redirects to the URL policy; `checkpoint` (the time budget) is called
    all along selection, ignore matching and parsing (the fetch has its own deadline);
    `package_names` as for scan_folder."""
    scanned_at = clock()
    with fetcher.open(
        request.url,
        request.ref,
        credentials=request.credentials,
        limits=limits,
        progress=fetch_progress,
        address_policy=address_policy,
    ) as tree:
        # --path DIR: that folder alone, named after it by default.
        slug = request.module_slug or slugify(posixpath.basename(request.subpath) or tree.repository_name)
        result = extract_tree(
            Subtree(tree, request.subpath) if request.subpath else tree,
            module_slug=slug,
            extractor=extractor,
            cache=cache,
            options=options,
            progress=progress,
            checkpoint=checkpoint,
            package_names=package_names,
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
        return ScanResult(
            key=key,
            descriptor=result.descriptor,
            source=SnapshotSource(
                name=tree.repository_name,
                folder_path=tree.display_url,
                commit_sha=fetched.commit_sha,
                location=request.source_location or repository_location(tree.display_url),
                subpath=request.subpath,
            ),
            scanned_at=scanned_at,
            extraction=result.stats,
            fetch=tree.stats(),
            ref_kind=fetched.kind,
            package_slugs=_package_slugs(result),
        )


def _package_slugs(result: ExtractionResult) -> tuple[str, ...]:
    return tuple(f.package.module_slug for f in result.packages.files) if result.packages is not None else ()
