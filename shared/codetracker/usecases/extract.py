"""Extraction: the module files of a tree → their exported functions, through the blob cache."""

from __future__ import annotations

import functools
import json
import posixpath
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.declarations import declaration_paths
from codetracker.domain.extraction import READABLE_CACHE_VERSIONS, assemble_descriptor, problem_at
from codetracker.domain.model import Checkpoint, Descriptor, FileExtraction, ProblemKind, ScanProblem, TreeEntry
from codetracker.domain.scan import ExtractionStats
from codetracker.domain.selection import (
    IGNORE_FILE_NAME,
    JAVASCRIPT,
    UNREAD_COMMONJS,
    UNREAD_TOO_LARGE,
    IgnoreRules,
    SelectionOptions,
    select_modules,
    slugify,
    sorted_unread,
    source_dialect,
    unread_sources,
)
from codetracker.garbage_collection import full_collections_deferred
from codetracker.ports.blob_cache import ParsedBlobCache
from codetracker.ports.parsing import ExtractionPlan, Extractor
from codetracker.ports.source_trees import FolderTree, SourceTree
from codetracker.usecases.packages import ReadModules, TreePackages, read_packages
from codetracker.usecases.scan_requests import ExtractFolderRequest, ScanFolderRequest

Progress = Callable[[int, int], None]  # (files done, files total)
FolderOpener = Callable[[str], FolderTree]  # a folder path → its tree (adapters/source_folder.py)


@dataclass(frozen=True, slots=True)
class ExtractionResult:
    descriptor: Descriptor
    stats: ExtractionStats
    packages: TreePackages | None = None  # the tree's packages, when extracted package by package


@dataclass(frozen=True)
class ExtractTreeRequest:
    """The module files of `tree` as module `module_slug`, selected by `options`; `source_problems` (what
    reading the source found) are reported with the result.

    With `package_names` (empty: every package), a tree with package.json files is extracted package by
    package: only the files each package publishes, its packages listed in the descriptor. Without it, or
    in a tree without package.json, the whole tree is one module."""

    tree: SourceTree
    module_slug: str
    options: SelectionOptions = SelectionOptions()
    source_problems: Sequence[ScanProblem] = ()
    package_names: Sequence[str] | None = None

    @classmethod
    def of_folder(cls, tree: FolderTree, request: ExtractFolderRequest | ScanFolderRequest) -> ExtractTreeRequest:
        """A folder read from disk, as an extract or a scan request names it: the slug defaults to the folder's
        name, and what reading it found is reported."""
        slug = request.module_slug or slugify(tree.name)
        return cls(
            tree, slug, options=request.options, source_problems=tree.problems(), package_names=request.package_names
        )


@dataclass(frozen=True)
class ExtractionPorts:
    """How extraction runs: the extractor (a parser, in worker processes when that pays), the parsed-blob
    cache (None: every blob is parsed), `progress` told (files done, files total), and `checkpoint` (the scan's
    time budget) called all along selection, ignore matching and parsing: what it raises stops the extraction."""

    extractor: Extractor
    cache: ParsedBlobCache | None = None
    progress: Progress | None = None
    checkpoint: Checkpoint | None = None


def extract_tree(request: ExtractTreeRequest, ports: ExtractionPorts) -> ExtractionResult:
    """Select the module files of a tree and extract their exported functions.

    Results are cached by blob sha, so a rescan parses only blobs never seen before. A big enough scan
    parses in worker processes (the extractor decides: parsing/extractor.py)."""
    with full_collections_deferred():
        return _extract_tree(request, ports)


def _extract_tree(request: ExtractTreeRequest, ports: ExtractionPorts) -> ExtractionResult:
    tree, module_slug, options = request.tree, request.module_slug, request.options
    package_names, source_problems = request.package_names, request.source_problems
    extractor, cache, progress, checkpoint = ports.extractor, ports.cache, ports.progress, ports.checkpoint
    entries, rules = read_tree(tree, options, checkpoint)
    packages = None
    read_entries = entries
    if package_names is not None:
        packages = read_packages(tree, entries, rules, root_name=module_slug, names=package_names)
        if packages is not None:
            published = set().union(*(files.published for files in packages.selected))
            read_entries = [e for e in entries if e.path in published]
    # Package by package, only the files the packages publish are selected from: their decisions left out
    # what the ignore rules exclude already.
    selection = select_modules(read_entries, rules, options, rules_applied=packages is not None)
    if packages is not None:
        selection = replace(selection, skipped=selection.skipped + packages.problems)
    # Declaration files describing a JavaScript module are read (and cached) like modules, for its types.
    javascript = [e.path for e in selection.candidates if source_dialect(e.path) == JAVASCRIPT]
    declaring: dict[str, str] = {}
    if selection.declarations and javascript:
        available = {e.path for e in selection.declarations}
        declaring = declaration_paths(javascript, available, _manifests(tree, entries, rules))
    needed = set(declaring.values())
    wanted = selection.candidates + tuple(e for e in selection.declarations if e.path in needed)

    # One cache key per dialect: the same blob reads differently as .js and as .ts.
    by_key: dict[str, list[TreeEntry]] = {}
    for entry in wanted:
        if entry.sha:
            by_key.setdefault(cache_key(extractor.name, source_dialect(entry.path)), []).append(entry)
    extracted: dict[str, FileExtraction] = {}
    if cache:
        for key, keyed in by_key.items():
            cached = cache.get_many({e.sha for e in keyed if e.sha}, key)
            for entry in keyed:
                hit = cached.get(entry.sha) if entry.sha else None
                if hit is not None:
                    extracted[entry.path] = hit
    to_read = [entry for entry in wanted if entry.path not in extracted]

    done = len(extracted)
    total = len(wanted)
    if progress:
        progress(done, total)
    fresh: dict[str, dict[str, FileExtraction]] = {}
    skipped = list(selection.skipped)
    # What the source could not read is recorded, unless the ignore rules exclude it anyway.
    skipped.extend(p for p in source_problems if not _ignored(rules, p.path))

    unread = {entry.path for entry in to_read}
    outcomes = extractor.extract(
        tree.read_many(to_read), ExtractionPlan(to_read, options.max_file_bytes, checkpoint=checkpoint)
    )
    for entry, result in outcomes:  # in read order; parsed in worker processes when the scan is big enough
        unread.discard(entry.path)
        if isinstance(result, ScanProblem):  # too large once read, or its parser worker died: not cached
            skipped.append(result)
        else:
            extracted[entry.path] = result
            if entry.sha:
                fresh.setdefault(cache_key(extractor.name, source_dialect(entry.path)), {})[entry.sha] = result
        done += 1
        if progress and (done % 50 == 0 or done == total):
            progress(done, total)
    # A file the tree listed but could not give (unreadable, gone since the walk) is recorded, not fatal.
    skipped.extend(ScanProblem(path, ProblemKind.SKIPPED, "could not be read") for path in sorted(unread))
    if cache is not None:
        for key, results in fresh.items():
            cache.put_many(results, key)

    declaration_files = {path: extracted.pop(path) for path in needed if path in extracted}
    own_facts = extracted
    extracted = settle_built_functions(extracted)  # after caching: what is cached is the file's own facts
    declared = {path: declaration_files[d] for path, d in declaring.items() if d in declaration_files}
    # A declaration file that failed to parse is a problem of the scan too.
    skipped.extend(p for p in (problem_at(x, path) for path, x in declaration_files.items()) if p is not None)
    if packages is not None:  # each package's public API, from the links of its files
        settled = {path for path, x in extracted.items() if x is not own_facts[path]}
        shas = {e.path: e.sha for e in wanted}
        package_infos, api_problems = packages.public_info(tree, ReadModules(extracted, shas, settled, extractor.name))
        skipped.extend(api_problems)
    descriptor = assemble_descriptor(module_slug, entries, extracted, skipped, declared)
    if packages is not None:
        descriptor = replace(descriptor, packages=package_infos)
    modules_read = [entry for entry in to_read if entry.path not in needed]
    unread_counts = unread_sources(read_entries, None if packages is not None else rules)
    commonjs = sum(1 for x in extracted.values() if x.unread_reason == "commonjs")
    too_large = sum(1 for p in skipped if p.kind is ProblemKind.SKIPPED and p.reason.startswith("file too large"))
    unread_counts.update({UNREAD_COMMONJS: commonjs, UNREAD_TOO_LARGE: too_large})
    stats = ExtractionStats(
        files_total=len(entries),
        candidates=len(selection.candidates),
        parsed=len(modules_read),
        cache_hits=len(selection.candidates) - len(modules_read),
        unread_sources=sorted_unread(unread_counts),
    )
    return ExtractionResult(descriptor, stats, packages)


@functools.cache
def _grammar_version(dialect: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    package = "tree-sitter-javascript" if dialect == JAVASCRIPT else "tree-sitter-typescript"
    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


def cache_key(parser_name: str, dialect: str) -> str:
    """What a cached extraction is valid for: the extractor version, the backend, the dialect and the
    version of its grammar (a new grammar may read the same bytes differently)."""
    return f"{READABLE_CACHE_VERSIONS}{parser_name}:{dialect}:{_grammar_version(dialect)}"


def _manifests(tree: SourceTree, entries: Sequence[TreeEntry], rules: IgnoreRules) -> dict[str, Any]:
    """Package folder → its parsed package.json (None when it is no JSON object), for declaration lookup."""
    manifests: dict[str, Any] = {}
    wanted = [e for e in entries if posixpath.basename(e.path) == "package.json" and not rules.is_ignored(e.path)]
    # In one read: a trees-first fetch gets every missing manifest in one round trip, not one per file.
    for entry, content in tree.read_many(wanted):
        try:
            manifests[posixpath.dirname(entry.path)] = json.loads(content) if content else None
        except ValueError:
            continue  # a broken manifest names no declaration
    return manifests


def read_tree(
    tree: SourceTree, options: SelectionOptions = SelectionOptions(), checkpoint: Checkpoint | None = None
) -> tuple[Sequence[TreeEntry], IgnoreRules]:
    """The tree's entries and its ignore rules (its root .codetrackerignore and the options' extra patterns,
    matched as git matches them); `checkpoint` is called as the rules are read and matched."""
    entries = tree.entries()
    ignore_bytes = tree.read(IGNORE_FILE_NAME) if any(e.path == IGNORE_FILE_NAME for e in entries) else None
    if options.extra_ignore:
        extra = "\n".join(options.extra_ignore).encode()
        ignore_bytes = (ignore_bytes.rstrip(b"\n") + b"\n" + extra) if ignore_bytes else extra
    return entries, IgnoreRules(ignore_bytes, checkpoint=checkpoint)


def _ignored(rules: IgnoreRules, path: str) -> bool:
    return rules.is_dir_ignored(path) if path.endswith("/") else rules.is_ignored(path)


def extract_folder(
    request: ExtractFolderRequest, *, open_folder: FolderOpener, extraction: ExtractionPorts
) -> ExtractionResult:
    """The descriptor of a folder as it is on disk; the slug defaults to the folder's name."""
    return extract_tree(ExtractTreeRequest.of_folder(open_folder(str(request.path)), request), extraction)
