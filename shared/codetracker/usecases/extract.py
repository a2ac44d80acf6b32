"""Extraction: the module files of a tree → their exported functions, through the blob cache."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from codetracker.domain.extraction import EXTRACTOR_VERSION, assemble_descriptor
from codetracker.domain.model import Checkpoint, Descriptor, FileExtraction, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.selection import (
    IGNORE_FILE_NAME,
    IgnoreRules,
    Selection,
    SelectionOptions,
    select_modules,
    slugify,
    unread_sources,
)
from codetracker.ports import Extractor, FolderTree, ParsedBlobCache, SourceTree
from codetracker.usecases.requests import ExtractFolderRequest

Progress = Callable[[int, int], None]  # (files done, files total)
FolderOpener = Callable[[str], FolderTree]  # a folder path → its tree (adapters/source_folder.py)


@dataclass(frozen=True, slots=True)
class ExtractionStats:
    files_total: int
    candidates: int
    parsed: int  # blobs parsed in this run (cache misses)
    cache_hits: int
    # JavaScript-family sources that are never read (.ts, .jsx, …) by suffix: says why a result is empty.
    unread_sources: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    descriptor: Descriptor
    stats: ExtractionStats


def extract_tree(
    tree: SourceTree,
    *,
    module_slug: str,
    extractor: Extractor,
    cache: ParsedBlobCache | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
    source_problems: Sequence[ScanProblem] = (),
    checkpoint: Checkpoint | None = None,
) -> ExtractionResult:
    """Select the module files of a tree and extract their exported functions.

    Results are cached by blob sha, so a rescan parses only blobs never seen before. A big enough scan
    parses in worker processes (the extractor decides: parsing/extractor.py).
    `checkpoint` (the scan's time budget) is called all along selection, ignore matching and parsing;
    what it raises stops the extraction."""
    entries, rules, selection = select_tree(tree, options, checkpoint)

    cache_key = f"{EXTRACTOR_VERSION}:{extractor.name}"
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
    # What the source could not read is recorded, unless the ignore rules exclude it anyway.
    skipped.extend(p for p in source_problems if not _ignored(rules, p.path))

    unread = {entry.path for entry in to_read}
    outcomes = extractor.extract(
        tree.read_many(to_read), planned=to_read, max_file_bytes=options.max_file_bytes, checkpoint=checkpoint
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
        files_total=len(entries),
        candidates=total,
        parsed=len(to_read),
        cache_hits=total - len(to_read),
        unread_sources=unread_sources(entries, rules),
    )
    return ExtractionResult(descriptor, stats)


def select_tree(
    tree: SourceTree, options: SelectionOptions = SelectionOptions(), checkpoint: Checkpoint | None = None
) -> tuple[Sequence[TreeEntry], IgnoreRules, Selection]:
    """The tree's entries, its ignore rules (its root .codetrackerignore, matched as git matches it) and
    the module files they select; `checkpoint` is called as the rules are read and matched."""
    entries = tree.entries()
    ignore_bytes = tree.read(IGNORE_FILE_NAME) if any(e.path == IGNORE_FILE_NAME for e in entries) else None
    rules = IgnoreRules(ignore_bytes, checkpoint=checkpoint)
    return entries, rules, select_modules(entries, rules, options)


def _ignored(rules: IgnoreRules, path: str) -> bool:
    return rules.is_dir_ignored(path) if path.endswith("/") else rules.is_ignored(path)


def extract_folder(
    request: ExtractFolderRequest,
    *,
    open_folder: FolderOpener,
    extractor: Extractor,
    cache: ParsedBlobCache | None = None,
    options: SelectionOptions = SelectionOptions(),
    progress: Progress | None = None,
) -> ExtractionResult:
    """The descriptor of a folder as it is on disk; the slug defaults to the folder's name."""
    source = open_folder(str(request.path))
    slug = request.module_slug or slugify(source.name)
    return extract_tree(
        source,
        module_slug=slug,
        extractor=extractor,
        cache=cache,
        options=options,
        progress=progress,
        source_problems=source.problems(),
    )
