"""The packages of a source tree: read its package.json, pnpm-workspace.yaml and ignore files, then apply
the domain's rules (domain/packages.py, domain/packlist.py, domain/package_files.py)."""

from __future__ import annotations

import json
import posixpath
from typing import Any
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import FileDecision, FileExtraction, PackageInfo, ScanProblem, TreeEntry
from codetracker.domain.package_files import (
    PackageFiles,
    explain_path,
    ignore_file_paths,
    manifest_paths,
    package_files,
    published_manifests,
)
from codetracker.domain.packages import (
    MANIFEST_NAME,
    PNPM_WORKSPACE_FILE,
    Layout,
    Workspaces,
    discover_packages,
    folder_span,
    parse_manifest,
    workspace_patterns,
)
from codetracker.domain.public_api import package_public_api
from codetracker.domain.selection import is_module_path
from codetracker.errors import InvalidInput
from codetracker.ports.source_trees import SourceTree


@dataclass(frozen=True, slots=True)
class TreePackages:
    layout: Layout
    files: tuple[PackageFiles, ...]  # every package found, in path order
    selected: tuple[PackageFiles, ...]  # the ones asked for (all when no name is given)

    @property
    def problems(self) -> tuple[ScanProblem, ...]:
        return self.layout.problems

    def explain(self, path: str, entries: Sequence[TreeEntry]) -> str:
        known = {e.path for e in entries}
        return explain_path(self.files, path, known.__contains__)

    def info(self) -> tuple[PackageInfo, ...]:
        return tuple(_info(f) for f in self.selected)

    def public_info(
        self, tree: SourceTree, extracted: Mapping[str, FileExtraction]
    ) -> tuple[tuple[PackageInfo, ...], tuple[ScanProblem, ...]]:
        """info() with each package's public API (entry points, public functions), and its problems."""
        links = {path: x.links for path, x in extracted.items() if x.links is not None}
        linked = sorted(links)  # each package reads the links of its folder: a slice, not every file's
        default_names = {
            path: f.name for path, x in extracted.items() for f in x.functions if f.export_type == "default"
        }
        infos: list[PackageInfo] = []
        problems: list[ScanProblem] = []
        for files in self.selected:
            info = _info(files)
            manifest = _manifest(tree, posixpath.join(info.path, MANIFEST_NAME))
            # Node resolves `exports` into a nested package's folder too (ramda's `es/package.json` holds only
            # `"type": "module"`; preact's `compat/`): its files are the package's for the public API.
            reachable = info.files + tuple(p for p, d in files.decisions.items() if d.rule == "nested-package")
            nested = [
                p for p in reachable if posixpath.basename(p) == MANIFEST_NAME and posixpath.dirname(p) != info.path
            ]
            types = {posixpath.dirname(p): str(_manifest(tree, p).get("type", "")) for p in nested}
            start, end = folder_span(linked, info.path)
            api = package_public_api(
                info.path,
                manifest,
                reachable,
                {p: links[p] for p in linked[start:end]},
                default_names,
                folder_types=types,
            )
            infos.append(
                replace(
                    info,
                    entry_points=api.entry_points,
                    public_functions=api.public_functions,
                    unknown_exports=api.unknown_exports,
                )
            )
            problems.extend(api.problems)
        return tuple(infos), tuple(problems)


def _manifest(tree: SourceTree, path: str) -> dict[str, Any]:
    """The package.json as a JSON object ({} when unreadable: a broken manifest was reported already)."""
    content = tree.read(path)
    try:
        parsed = json.loads(content) if content else None
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def read_packages(
    tree: SourceTree,
    entries: Sequence[TreeEntry],
    rules: IgnoreRules,
    *,
    root_name: str,
    names: Sequence[str] = (),
) -> TreePackages | None:
    """The tree's packages, or None when it has no package.json (one module for the whole tree).

    `names` keeps only those packages; an unknown name is InvalidInput(field="package") listing the names."""
    paths = manifest_paths(entries, rules)
    if not paths:
        if names:
            raise InvalidInput("the tree has no package.json, so no package to choose", field="package")
        return None
    ignore_paths = ignore_file_paths(entries, rules)
    wanted = set(paths) | set(ignore_paths)
    by_path = {e.path: e for e in entries}
    if PNPM_WORKSPACE_FILE in by_path:
        wanted.add(PNPM_WORKSPACE_FILE)
    contents = {e.path: data for e, data in tree.read_many([by_path[p] for p in sorted(wanted)])}

    problems: list[ScanProblem] = []
    manifests = {}
    for path in paths:
        parsed = parse_manifest(contents.get(path, b""), path)
        if isinstance(parsed, ScanProblem):
            problems.append(parsed)
        else:
            manifests[path] = parsed
    pnpm = contents.get(PNPM_WORKSPACE_FILE)
    workspaces = workspace_patterns(
        manifests.get(MANIFEST_NAME), pnpm.decode("utf-8", "replace") if pnpm is not None else None
    )
    ignore_texts = {p: contents[p].decode("utf-8", "replace") for p in ignore_paths if p in contents}
    if workspaces is None:
        manifests = published_manifests(manifests, entries, ignore_texts)
    layout = discover_packages(manifests, root_name=root_name, workspaces=workspaces, problems=problems)
    files = tuple(package_files(layout.packages, entries, ignore_texts, rules, workspaces=_npm_knows(workspaces)))
    return TreePackages(layout, files, _select(files, names))


def _npm_knows(workspaces: Workspaces | None) -> bool:
    return workspaces is not None and workspaces.source == MANIFEST_NAME


def _select(files: tuple[PackageFiles, ...], names: Sequence[str]) -> tuple[PackageFiles, ...]:
    if not names:
        return files
    known = {f.package.name: f for f in files}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise InvalidInput(f"no package named {', '.join(map(repr, unknown))} (packages: {listed})", field="package")
    return tuple(f for f in files if f.package.name in set(names))


def _info(files: PackageFiles) -> PackageInfo:
    package = files.package
    excluded: list[FileDecision] = [
        d for p, d in sorted(files.decisions.items()) if not d.included and is_module_path(posixpath.basename(p))
    ]
    return PackageInfo(
        name=package.name,
        version=package.version,
        path=package.path,
        module_slug=package.module_slug,
        private=package.private,
        files=files.published,
        excluded=tuple(d for d in excluded if d.rule != "nested-package"),
    )
