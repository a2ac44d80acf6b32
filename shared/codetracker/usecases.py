"""Use cases: the one implementation behind the CLI, the Lambda handlers and the local runtime.

Ports in, results out; adapters come from `codetracker.wiring` or from a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from codetracker.domain.extraction import EXTRACTOR_VERSION, assemble_descriptor
from codetracker.domain.model import (
    Descriptor,
    FileExtraction,
    ProblemKind,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
)
from codetracker.domain.selection import (
    IGNORE_FILE_NAME,
    IgnoreRules,
    SelectionOptions,
    select_modules,
    slugify,
)
from codetracker.errors import InvalidInput, SnapshotNotFound
from codetracker.parsing.workers import ParallelOptions, extract_contents
from codetracker.ports import (
    Credentials,
    FetchLimits,
    FetchStats,
    ModuleParser,
    ParsedBlobCache,
    RepositoryFetcher,
    SnapshotStore,
    SourceTree,
)

Progress = Callable[[int, int], None]  # (files done, files total)
_COMMIT_SHA = re.compile(r"[0-9a-fA-F]{4,64}")


@dataclass(frozen=True, slots=True)
class ExtractionStats:
    files_total: int
    candidates: int
    parsed: int  # blobs parsed in this run (cache misses)
    cache_hits: int


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    descriptor: Descriptor
    stats: ExtractionStats


def extract_tree(
    tree: SourceTree,
    *,
    module_slug: str,
    parser: ModuleParser,
    cache: ParsedBlobCache | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
    parallel: ParallelOptions | None = None,
) -> ExtractionResult:
    """Select the module files of a tree and extract their exported functions.

    Results are cached by blob sha, so a rescan parses only blobs never seen before. A big enough scan
    parses in worker processes, one per CPU (codetracker.parsing.workers; `parallel` overrides it)."""
    entries = tree.entries()
    ignore_bytes = tree.read(IGNORE_FILE_NAME) if any(e.path == IGNORE_FILE_NAME for e in entries) else None
    rules = IgnoreRules(ignore_bytes.decode("utf-8", errors="replace") if ignore_bytes is not None else None)
    selection = select_modules(entries, rules, options)

    cache_key = f"{EXTRACTOR_VERSION}:{parser.name}"
    shas = {e.sha for e in selection.candidates if e.sha}
    cached: Mapping[str, FileExtraction] = cache.get_many(shas, cache_key) if cache and shas else {}

    extracted: dict[str, FileExtraction] = {}
    to_read = []
    for entry in selection.candidates:
        hit = cached.get(entry.sha) if entry.sha else None
        if hit is not None:
            extracted[entry.path] = hit
        else:
            to_read.append(entry)

    done = len(extracted)
    total = len(selection.candidates)
    if progress:
        progress(done, total)
    fresh: dict[str, FileExtraction] = {}
    skipped = list(selection.skipped)

    unread = {entry.path for entry in to_read}
    outcomes = extract_contents(
        tree.read_many(to_read), parser, planned=to_read, max_file_bytes=options.max_file_bytes, options=parallel
    )
    for entry, result in outcomes:  # in read order; parsed in worker processes when the scan is big enough
        unread.discard(entry.path)
        if isinstance(result, ScanProblem):  # too large once read, or its parser worker died: not cached
            skipped.append(result)
        else:
            extracted[entry.path] = result
            if entry.sha:
                fresh[entry.sha] = result
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress(done, total)
    # A file the tree listed but could not give (unreadable, gone since the walk) is recorded, not fatal.
    skipped.extend(ScanProblem(path, ProblemKind.SKIPPED, "could not be read") for path in sorted(unread))
    if cache and fresh:
        cache.put_many(fresh, cache_key)

    descriptor = assemble_descriptor(module_slug, entries, extracted, skipped)
    stats = ExtractionStats(
        files_total=len(entries), candidates=total, parsed=len(to_read), cache_hits=total - len(to_read)
    )
    return ExtractionResult(descriptor, stats)


# --- folders ----------------------------------------------------------------------------------------


def extract_folder(
    path: str | Path,
    *,
    parser: ModuleParser,
    module_slug: str | None = None,
    cache: ParsedBlobCache | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
) -> ExtractionResult:
    from codetracker.adapters.source_folder import FolderSource

    source = FolderSource(path, keep_bytes_up_to=options.max_file_bytes)
    slug = slugify(module_slug) if module_slug else slugify(source.root.name)
    return extract_tree(source, module_slug=slug, parser=parser, cache=cache, options=options, progress=progress)


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    summary: SnapshotSummary
    extraction: ExtractionStats
    fetch: FetchStats | None = None
    ref_kind: str | None = None


def _require(value: str | None, field_name: str) -> str:
    if value is None or not value.strip():
        raise InvalidInput(f"{field_name} must not be empty", field=field_name)
    if len(value) > 255:
        raise InvalidInput(f"{field_name} is longer than 255 characters", field=field_name)
    return value.strip()


def scan_folder(
    path: str | Path,
    *,
    branch_name: str,
    release_tag: str,
    store: SnapshotStore,
    parser: ModuleParser,
    cache: ParsedBlobCache | None = None,
    commit_sha: str | None = None,
    module_slug: str | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
) -> ScanOutcome:
    branch_name = _require(branch_name, "branch")
    release_tag = _require(release_tag, "tag")
    if commit_sha is not None and not _COMMIT_SHA.fullmatch(commit_sha):
        raise InvalidInput(
            f"--commit must be a hex commit sha (4 to 64 characters), got {commit_sha!r}", field="commit"
        )
    if module_slug is not None:
        module_slug = slugify(_require(module_slug, "slug"))
    result = extract_folder(
        path, parser=parser, module_slug=module_slug, cache=cache, options=options, progress=progress
    )
    key = SnapshotKey(result.descriptor.module_slug, branch_name, release_tag)
    source = SnapshotSource(
        name=Path(path).resolve().name, folder_path=str(Path(path).resolve()), commit_sha=commit_sha
    )
    summary = store.store_snapshot(key, result.descriptor, source)
    return ScanOutcome(summary=summary, extraction=result.stats)


# --- git repositories -------------------------------------------------------------------------------

HEAD_TAG = "HEAD"


def snapshot_key_for_ref(
    module_slug: str,
    ref_kind: str,
    ref_name: str,
    commit_sha: str,
    default_branch: str | None,
    branch_name: str | None,
    release_tag: str | None,
) -> SnapshotKey:
    """The naming rule (README, "Snapshot keys"):
    - a branch ref → (slug, branch, HEAD): the branch's latest state, replaced on each scan;
    - a tag ref → (slug, --branch or the default branch, tag);
    - a commit sha → (slug, --branch or the default branch, --tag or the commit sha).
    Explicit --branch / --tag always win."""
    fallback_branch = default_branch or "main"
    if ref_kind == "branch":
        return SnapshotKey(module_slug, branch_name or ref_name, release_tag or HEAD_TAG)
    if ref_kind == "tag":
        return SnapshotKey(module_slug, branch_name or fallback_branch, release_tag or ref_name)
    return SnapshotKey(module_slug, branch_name or fallback_branch, release_tag or commit_sha)


def scan_repository(
    url: str,
    ref: str,
    *,
    fetcher: RepositoryFetcher,
    store: SnapshotStore,
    parser: ModuleParser,
    cache: ParsedBlobCache | None = None,
    branch_name: str | None = None,
    release_tag: str | None = None,
    module_slug: str | None = None,
    credentials: Credentials | None = None,
    limits: FetchLimits = FetchLimits(),
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
) -> ScanOutcome:
    ref = _require(ref, "ref")
    if branch_name is not None:
        branch_name = _require(branch_name, "branch")
    if release_tag is not None:
        release_tag = _require(release_tag, "tag")
    with fetcher.open(url, ref, credentials=credentials, limits=limits) as tree:
        slug = slugify(_require(module_slug, "slug")) if module_slug is not None else slugify(tree.repository_name)
        result = extract_tree(tree, module_slug=slug, parser=parser, cache=cache, options=options, progress=progress)
        fetched = tree.ref
        key = snapshot_key_for_ref(
            slug, fetched.kind, fetched.name, fetched.commit_sha, fetched.default_branch, branch_name, release_tag
        )
        source = SnapshotSource(name=tree.repository_name, folder_path=tree.display_url, commit_sha=fetched.commit_sha)
        summary = store.store_snapshot(key, result.descriptor, source)
        return ScanOutcome(summary=summary, extraction=result.stats, fetch=tree.stats(), ref_kind=fetched.kind)


# --- reading ----------------------------------------------------------------------------------------


def list_snapshots(
    store: SnapshotStore, module_slug: str, branch_name: str | None = None, release_tag: str | None = None
) -> list[SnapshotSummary]:
    return store.list_snapshots(slugify(_require(module_slug, "slug")), branch_name, release_tag)


@dataclass(frozen=True, slots=True)
class SnapshotView:
    """What `show` answers: the matching snapshots, and one snapshot's descriptor when the query names it."""

    snapshots: tuple[SnapshotSummary, ...]
    descriptor: Descriptor | None = None


def show_snapshots(
    store: SnapshotStore, module_slug: str, branch_name: str | None = None, release_tag: str | None = None
) -> SnapshotView:
    """The snapshots of a module (optionally of one branch and/or tag). A query with a tag that matches
    exactly one snapshot returns its descriptor too. Nothing matching → SnapshotNotFound."""
    snapshots = tuple(list_snapshots(store, module_slug, branch_name, release_tag))
    if not snapshots:
        wanted = ", ".join(
            f"{name} {value!r}" for name, value in (("branch", branch_name), ("tag", release_tag)) if value
        )
        raise SnapshotNotFound(
            f"no snapshots stored for {slugify(module_slug)!r}" + (f" with {wanted}" if wanted else "")
        )
    if release_tag is None or len(snapshots) != 1:
        return SnapshotView(snapshots)
    (only,) = snapshots
    key = SnapshotKey(only.module_slug, only.branch_name, only.release_tag)
    return SnapshotView(snapshots, store.load_snapshot(key))
