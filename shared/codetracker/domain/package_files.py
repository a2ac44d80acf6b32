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
import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import EntryKind, FileDecision, TreeEntry
from codetracker.domain.packages import MANIFEST_NAME, Package, folder_span, innermost_package, manifest_folder
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
    # The module files it leaves out, by path (a nested package's files are that package's, not listed).
    excluded_modules: tuple[FileDecision, ...]


def ignore_file_paths(entries: Sequence[TreeEntry], rules: IgnoreRules) -> list[str]:
    """The `.npmignore`/`.gitignore` files npm may read (outside ignored paths)."""
    return [
        e.path
        for e in entries
        if e.path.endswith("ignore")  # the cheap test first: every entry of the tree passes here
        and e.kind is EntryKind.FILE
        and posixpath.basename(e.path) in IGNORE_FILE_NAMES
        and not rules.is_ignored(e.path)
    ]


def manifest_paths(entries: Sequence[TreeEntry], rules: IgnoreRules) -> list[str]:
    """package.json files outside ignored paths and node_modules."""
    return [
        e.path
        for e in entries
        if e.path.endswith(MANIFEST_NAME)  # the cheap test first
        and e.kind is EntryKind.FILE
        and posixpath.basename(e.path) == MANIFEST_NAME
        and "node_modules" not in e.path.split("/")
        and not rules.is_ignored(e.path)
    ]


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
    files = [(e.path, e.kind) for e in entries]
    files.sort()  # trees give their entries sorted by path: then sorting is one pass
    paths = [path for path, _ in files]
    out = []
    for package in packages:
        start, end = folder_span(paths, package.path)
        inputs = _PackageInputs(
            package,
            layout,
            tuple(files[start:end]),
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
    entries: tuple[tuple[str, EntryKind], ...]  # the files under the package folder
    ignore_texts: tuple[tuple[str, str], ...]  # the ignore files npm reads for it
    workspaces: bool
    rules_source: tuple[bytes, tuple[str, ...]]
    rules: IgnoreRules = field(compare=False, hash=False)


# A rescan usually finds most packages' file lists, manifests and ignore files as they were: their
# decisions are kept for the process's next scans (a warm Lambda container, the local runtime), by value.
@functools.lru_cache(maxsize=256)
def _decisions(
    inputs: _PackageInputs,
) -> tuple[Mapping[str, FileDecision], tuple[str, ...], tuple[str, ...], tuple[FileDecision, ...]]:
    """The package's decisions, what it publishes, what nested packages hold and the module files it leaves out
    (PackageFiles' fields)."""
    package = inputs.package
    entries = [TreeEntry(path, kind, None, None) for path, kind in inputs.entries]
    ignore_texts = dict(inputs.ignore_texts)
    decisions = npm_decisions(package.path, package.manifest, entries, ignore_texts, inputs.workspaces)
    owners = {folder: (folder, name) for folder, name in inputs.layout}
    conventions = _conventions_apply(package, entries)
    for path, decision in decisions.items():
        decisions[path] = _overlay(package, owners, path, decision, inputs.rules, conventions)
    ordered = sorted(decisions.items())
    published = tuple(path for path, d in ordered if d.included)
    nested = tuple(path for path, d in ordered if d.rule == RULE_NESTED_PACKAGE)
    excluded = tuple(
        d
        for path, d in ordered
        if not d.included and d.rule != RULE_NESTED_PACKAGE and is_module_path(posixpath.basename(path))
    )
    return MappingProxyType(decisions), published, nested, excluded


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
