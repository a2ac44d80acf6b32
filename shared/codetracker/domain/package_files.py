"""Which files of a tree each package holds: npm's packlist, then what Codetracker adds on top.

On top of npm-packlist's answer (`packlist.publish_decisions`), in this order:
1. a nested package's files belong to it, never to the package around it (`nested-package`);
2. `.codetrackerignore` and the registration's extra ignore patterns exclude (`.codetrackerignore`);
3. a package with no `files` and no `.npmignore`/`.gitignore` of its own publishes everything, so the usual
   test conventions are left out (`test-convention`): TEST_CONVENTIONS, as gitignore patterns.
Files npm always includes (`main`, `bin`, …) or that `files` names stay in whatever the conventions say.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import EntryKind, FileDecision, TreeEntry
from codetracker.domain.packages import MANIFEST_NAME, Package, innermost_package, manifest_folder
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

    @property
    def published(self) -> tuple[str, ...]:
        return tuple(sorted(p for p, d in self.decisions.items() if d.included))


def ignore_file_paths(entries: Sequence[TreeEntry], rules: IgnoreRules) -> list[str]:
    """The `.npmignore`/`.gitignore` files npm may read (outside ignored paths)."""
    return [
        e.path
        for e in entries
        if e.kind is EntryKind.FILE and posixpath.basename(e.path) in IGNORE_FILE_NAMES and not rules.is_ignored(e.path)
    ]


def manifest_paths(entries: Sequence[TreeEntry], rules: IgnoreRules) -> list[str]:
    """package.json files outside ignored paths and node_modules."""
    return [
        e.path
        for e in entries
        if e.kind is EntryKind.FILE
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
    out = []
    by_folder = {p.path: p for p in packages}
    for package in packages:
        decisions = npm_decisions(package.path, package.manifest, entries, ignore_texts, workspaces)
        conventions = _conventions_apply(package, entries)
        for path, decision in decisions.items():
            decisions[path] = _overlay(package, by_folder, path, decision, rules, conventions)
        out.append(PackageFiles(package, decisions))
    return out


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
    by_folder: Mapping[str, Package],
    path: str,
    decision: FileDecision,
    rules: IgnoreRules,
    conventions: bool,
) -> FileDecision:
    owner = innermost_package(by_folder, path)
    if owner is not None and owner is not package:
        where = owner.path or "the root"
        return FileDecision(path, False, RULE_NESTED_PACKAGE, f"belongs to package '{owner.name}' ({where})")
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
