"""Which files of a tree each package holds: npm's packlist, then what Codetracker adds on top.

On top of npm-packlist's answer (`packlist.publish_decisions`), in this order:
1. a nested package's files belong to it, never to the package around it (`nested-package`);
2. `.codetrackerignore` and the registration's extra ignore patterns exclude (`.codetrackerignore`);
3. a package with no `files` and no `.npmignore`/`.gitignore` of its own publishes everything, so the usual
   test conventions are left out (`test-convention`): TEST_CONVENTIONS, as gitignore patterns.
Files npm always includes (`main`, `bin`, …) or that `files` names stay in whatever the conventions say.
"""

from __future__ import annotations

import functools
import operator
import posixpath
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import EntryKind, FileDecision, TreeEntry
from codetracker.domain.packages import (
    MANIFEST_NAME,
    PNPM_WORKSPACE_FILE,
    Package,
    folder_span,
    innermost_package,
    manifest_folder,
)
from codetracker.domain.selection import is_module_path
from codetracker.domain.packlist import IGNORE_FILE_NAMES, RULE_PUBLISHED, PackageManifest, publish_decisions

RULE_NESTED_PACKAGE = "nested-package"
RULE_CODETRACKERIGNORE = ".codetrackerignore"
RULE_TEST_CONVENTION = "test-convention"
RULE_OUTSIDE = "no-package"

# Left out of a package that publishes everything (no `files`, no ignore file), as gitignore patterns.
TEST_CONVENTIONS: tuple[str, ...] = (
    "test/",
    "tests/",
    "__tests__/",
    "*.test.*",
    "*.spec.*",
    "benchmark*/",
    "bench/",
    "scripts/",
    "examples/",
    "playground/",
    "fixtures/",
)


@dataclass(frozen=True, slots=True)
class PackageFiles:
    package: Package
    decisions: Mapping[str, FileDecision]  # every file under the package folder, by path from the scanned root
    published: tuple[str, ...]  # the files it includes, sorted
    nested_files: tuple[str, ...]  # the files below its folder that nested packages hold, sorted
    # The package.json files of nested packages among the files it publishes or nested packages hold (Node
    # resolves `exports` into such folders too: domain/public_api.py), in that order.
    nested_manifests: tuple[str, ...]
    # The module files it leaves out, by path (a nested package's files are that package's, not listed).
    excluded_modules: tuple[FileDecision, ...]


class FileDecisions(Mapping[str, FileDecision]):
    """Each file's decision by path, held compactly: the sorted paths and, per path, an index into the distinct
    (included, rule, detail) answers. Kept packages stay in a warm process; as one FileDecision per file they
    were two objects per file for the garbage collector to walk on every full collection (a 10k-file tree's
    kept decisions cost each scan about 15 ms of collection); these hold no object per file it tracks."""

    __slots__ = ("_paths", "_which", "_answers")

    def __init__(self, decisions: Iterable[FileDecision]) -> None:
        ordered = sorted(decisions, key=lambda d: d.path)
        answers: dict[tuple[bool, str, str], int] = {}
        self._paths = tuple(d.path for d in ordered)
        self._which = array("I", (answers.setdefault((d.included, d.rule, d.detail), len(answers)) for d in ordered))
        self._answers = tuple(answers)

    def __getitem__(self, path: str) -> FileDecision:
        at = bisect_left(self._paths, path)
        if at == len(self._paths) or self._paths[at] != path:
            raise KeyError(path)
        return FileDecision(path, *self._answers[self._which[at]])

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass(frozen=True, slots=True)
class PackageSources:
    """The entries the package rules read, found in one pass over the tree (outside ignored paths)."""

    manifests: tuple[TreeEntry, ...]  # package.json files, outside node_modules
    ignore_files: tuple[TreeEntry, ...]  # the .npmignore/.gitignore files npm may read
    pnpm_workspace: TreeEntry | None  # the root pnpm-workspace.yaml

    @property
    def manifest_paths(self) -> list[str]:
        return [e.path for e in self.manifests]

    @property
    def ignore_file_paths(self) -> list[str]:
        return [e.path for e in self.ignore_files]


_READ_SUFFIXES = (MANIFEST_NAME, "ignore", PNPM_WORKSPACE_FILE)


def package_sources(entries: Iterable[TreeEntry], rules: IgnoreRules) -> PackageSources:
    """What of `entries` the package rules read: one pass, the cheap suffix test first (every entry of the
    tree passes there), the ignore rules asked only of the few that end like a manifest or an ignore file."""
    manifests: list[TreeEntry] = []
    ignore_files: list[TreeEntry] = []
    pnpm_workspace = None
    for entry in [e for e in entries if e.path.endswith(_READ_SUFFIXES)]:
        path = entry.path
        if path.endswith(MANIFEST_NAME):
            if (
                entry.kind is EntryKind.FILE
                and posixpath.basename(path) == MANIFEST_NAME
                and "node_modules" not in path.split("/")
                and not rules.is_ignored(path)
            ):
                manifests.append(entry)
        elif path.endswith("ignore"):
            if (
                entry.kind is EntryKind.FILE
                and posixpath.basename(path) in IGNORE_FILE_NAMES
                and not rules.is_ignored(path)
            ):
                ignore_files.append(entry)
        elif path == PNPM_WORKSPACE_FILE:
            pnpm_workspace = entry
    return PackageSources(tuple(manifests), tuple(ignore_files), pnpm_workspace)


def published_manifests(
    manifests: Mapping[str, PackageManifest],
    entries: Sequence[TreeEntry],
    ignore_texts: Mapping[str, str],
) -> dict[str, PackageManifest]:
    """Without workspaces: the package.json files that are packages. A nested one counts only when the
    package around it publishes it (preact's `compat/package.json` is in preact's `files`; a test
    fixture's package.json is not)."""
    kept: dict[str, PackageManifest] = {}
    decided: dict[str, Mapping[str, FileDecision]] = {}
    for path in sorted(manifests, key=lambda p: (p.count("/"), p)):
        folder = manifest_folder(path)
        enclosing = _innermost_folder(kept, folder)
        if enclosing is None:
            kept[path] = manifests[path]
            continue
        manifest_of_enclosing = kept[posixpath.join(enclosing, MANIFEST_NAME) if enclosing else MANIFEST_NAME]
        if enclosing not in decided:
            decided[enclosing] = npm_decisions(enclosing, manifest_of_enclosing, entries, ignore_texts, False)
        decision = decided[enclosing].get(path)
        if decision is not None and decision.included:
            kept[path] = manifests[path]
    return kept


def _innermost_folder(kept: Mapping[str, PackageManifest], folder: str) -> str | None:
    best: str | None = None
    for path in kept:
        other = manifest_folder(path)
        if other != folder and (not other or folder.startswith(other + "/")):
            if best is None or len(other) > len(best):
                best = other
    return best


def npm_decisions(
    folder: str,
    manifest: PackageManifest,
    entries: Sequence[TreeEntry],
    ignore_texts: Mapping[str, str],
    inherit: bool,
) -> dict[str, FileDecision]:
    """npm's own answer (no Codetracker overlay) for the files under `folder`, by path from the root."""
    prefix = folder + "/" if folder else ""
    inside = [e for e in entries if e.path.startswith(prefix)]
    decisions = publish_decisions(
        manifest,
        [(e.path[len(prefix) :], e.kind is EntryKind.FILE) for e in inside],
        {p[len(prefix) :]: text for p, text in ignore_texts.items() if p.startswith(prefix)},
        inherited_ignore_files=_inherited(folder, ignore_texts) if inherit and folder else (),
    )
    return {prefix + p: FileDecision(prefix + p, d.included, d.rule, d.detail) for p, d in decisions.items()}


def _inherited(folder: str, ignore_texts: Mapping[str, str]) -> list[tuple[str, str]]:
    """npm packing a workspace reads the ignore file of each folder above it, root first (not its own)."""
    parts = folder.split("/")
    found = []
    for depth in range(len(parts)):
        above = "/".join(parts[:depth])
        for name in IGNORE_FILE_NAMES:
            path = f"{above}/{name}" if above else name
            if path in ignore_texts:
                found.append((path, ignore_texts[path]))
                break
    return found


_PATH = operator.attrgetter("path")
_KIND = operator.attrgetter("kind")


def package_files(
    packages: Sequence[Package],
    entries: Sequence[TreeEntry],
    ignore_texts: Mapping[str, str],
    rules: IgnoreRules,
    *,
    workspaces: bool = False,
) -> list[PackageFiles]:
    """Each package's decision for every file under its folder (see the module docstring). In an npm/yarn
    workspace tree npm applies the ignore files of the folders above a workspace to it (`workspaces=True`);
    pnpm's workspaces are unknown to npm, which packs such a package as a folder of its own."""
    layout = tuple((p.path, p.name) for p in packages)
    paths = list(map(_PATH, entries))
    paths.sort()  # trees give their entries sorted by path: then sorting is one pass
    # Most entries are files: the key names only the others, and with strings alone (see _PackageInputs).
    kinds = list(map(_KIND, entries))
    not_files = []
    if kinds.count(EntryKind.FILE) != len(kinds):
        not_files = sorted((e.path, e.kind.value) for e in entries if e.kind is not EntryKind.FILE)
    not_file_paths = [path for path, _ in not_files]
    out = []
    for package in packages:
        start, end = folder_span(paths, package.path)
        first, last = folder_span(not_file_paths, package.path)
        inputs = _PackageInputs(
            package,
            layout,
            tuple(paths[start:end]),
            tuple(not_files[first:last]),
            _ignore_files_read(package.path, ignore_texts, workspaces),
            workspaces,
            rules.source,
            rules,
        )
        out.append(PackageFiles(package, *_decisions(inputs)))
    return out


def _ignore_files_read(folder: str, ignore_texts: Mapping[str, str], inherit: bool) -> tuple[tuple[str, str], ...]:
    """The ignore files npm_decisions reads for the package at `folder` (its own, and with `inherit` those
    above it), sorted: what of `ignore_texts` decides its files."""
    prefix = folder + "/" if folder else ""
    own = [(p, text) for p, text in ignore_texts.items() if p.startswith(prefix)]
    above = _inherited(folder, ignore_texts) if inherit and folder else []
    return tuple(sorted(own + above))


@dataclass(frozen=True, slots=True)
class _PackageInputs:
    """All that decides a package's files: equal inputs, equal decisions."""

    package: Package
    layout: tuple[tuple[str, str], ...]  # every package's (folder, name): nested packages own their files
    # The entries under the package folder, and (path, EntryKind value) of those that are no file: strings
    # only, so that a kept key holds nothing the garbage collector walks (see FileDecisions).
    paths: tuple[str, ...]
    not_files: tuple[tuple[str, str], ...]
    ignore_texts: tuple[tuple[str, str], ...]  # the ignore files npm reads for it
    workspaces: bool
    rules_source: tuple[bytes, tuple[str, ...]]
    rules: IgnoreRules = field(compare=False, hash=False)


# A rescan usually finds most packages' file lists, manifests and ignore files as they were: their
# decisions are kept for the process's next scans (a warm Lambda container, the local runtime), by value.
@functools.lru_cache(maxsize=256)
def _decisions(
    inputs: _PackageInputs,
) -> tuple[FileDecisions, tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[FileDecision, ...]]:
    """The package's decisions, what it publishes, what nested packages hold and the module files it leaves out
    (PackageFiles' fields)."""
    package = inputs.package
    kinds = {path: EntryKind(kind) for path, kind in inputs.not_files}
    entries = [TreeEntry(path, kinds.get(path, EntryKind.FILE), None, None) for path in inputs.paths]
    ignore_texts = dict(inputs.ignore_texts)
    decisions = npm_decisions(package.path, package.manifest, entries, ignore_texts, inputs.workspaces)
    owners = {folder: (folder, name) for folder, name in inputs.layout}
    conventions = _conventions_apply(package, entries)
    for path, decision in decisions.items():
        decisions[path] = _overlay(package, owners, path, decision, inputs.rules, conventions)
    ordered = sorted(decisions.items())
    published = tuple(path for path, d in ordered if d.included)
    nested = tuple(path for path, d in ordered if d.rule == RULE_NESTED_PACKAGE)
    own_manifest = posixpath.join(package.path, MANIFEST_NAME)
    nested_manifests = tuple(
        path for path in published + nested if posixpath.basename(path) == MANIFEST_NAME and path != own_manifest
    )
    excluded = tuple(
        d
        for path, d in ordered
        if not d.included and d.rule != RULE_NESTED_PACKAGE and is_module_path(posixpath.basename(path))
    )
    return FileDecisions(decisions.values()), published, nested, nested_manifests, excluded


def clear_decisions_memo() -> None:
    """Forget the kept decisions (for measuring a cold first scan)."""
    _decisions.cache_clear()


def _conventions_apply(package: Package, entries: Sequence[TreeEntry]) -> bool:
    if package.manifest.files is not None:
        return False
    own = {posixpath.join(package.path, name) if package.path else name for name in IGNORE_FILE_NAMES}
    return not any(e.path in own for e in entries)


_ALL_CONVENTIONS = IgnoreRules("\n".join(TEST_CONVENTIONS), defaults=())
_CONVENTION_RULES = tuple((pattern, IgnoreRules(pattern, defaults=())) for pattern in TEST_CONVENTIONS)


def convention_of(relative_path: str) -> str | None:
    """The test convention that leaves `relative_path` (from a package folder) out, if any."""
    if not _ALL_CONVENTIONS.is_ignored(relative_path):
        return None  # one check for the common case; the pattern is looked for only when one matches
    return next((pattern for pattern, rules in _CONVENTION_RULES if rules.is_ignored(relative_path)), None)


def _overlay(
    package: Package,
    owners: Mapping[str, tuple[str, str]],
    path: str,
    decision: FileDecision,
    rules: IgnoreRules,
    conventions: bool,
) -> FileDecision:
    owner = innermost_package(owners, path)  # (folder, name) of the package holding the file
    if owner is not None and owner[0] != package.path:
        where = owner[0] or "the root"
        return FileDecision(path, False, RULE_NESTED_PACKAGE, f"belongs to package '{owner[1]}' ({where})")
    if not decision.included:
        return decision
    if rules.is_ignored(path):
        return FileDecision(path, False, RULE_CODETRACKERIGNORE, "excluded by .codetrackerignore or the registration")
    if conventions and decision.rule == RULE_PUBLISHED:
        convention = convention_of(package.relative(path))
        if convention is not None:
            why = f"test convention '{convention}' (the package has no \"files\" and no .npmignore/.gitignore)"
            return FileDecision(path, False, RULE_TEST_CONVENTION, why)
    return decision


def explain_path(files: Sequence[PackageFiles], path: str, is_known: Callable[[str], bool]) -> str:
    """One line saying which package holds `path` and which rule put it in or left it out."""
    path = path.strip("/")
    if not is_known(path):
        return f"{path}: no such file in the tree"
    for package_files_ in sorted(files, key=lambda f: -len(f.package.path)):
        decision = package_files_.decisions.get(path)
        if decision is not None and decision.rule != RULE_NESTED_PACKAGE:
            package = package_files_.package
            return f"{path}: package '{package.name}' ({package.path or 'the root'}): {decision.explain()}"
    return f"{path}: in no package ({RULE_OUTSIDE}): no package folder holds it, or its package is not tracked"
