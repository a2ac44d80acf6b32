"""The packages of a source tree: read its package.json, pnpm-workspace.yaml and ignore files, then apply
the domain's rules (domain/packages.py, domain/packlist.py, domain/package_files.py)."""

from __future__ import annotations

import functools
import json
import posixpath
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from typing import Any

from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.model import FileExtraction, PackageInfo, ScanProblem, TreeEntry
from codetracker.domain.package_files import (
    PackageFiles,
    explain_path,
    package_files,
    package_sources,
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
from codetracker.domain.public_api import PublicApi, package_public_api
from codetracker.errors import InvalidInput
from codetracker.ports.source_trees import SourceTree


@dataclass(frozen=True, slots=True)
class TreePackages:
    layout: Layout
    files: tuple[PackageFiles, ...]  # every package found, in path order
    selected: tuple[PackageFiles, ...]  # the ones asked for (all when no name is given)
    manifest_shas: Mapping[str, str | None]  # each package.json's blob sha, by path

    @property
    def problems(self) -> tuple[ScanProblem, ...]:
        return self.layout.problems

    def explain(self, path: str, entries: Sequence[TreeEntry]) -> str:
        known = {e.path for e in entries}
        return explain_path(self.files, path, known.__contains__)

    def info(self) -> tuple[PackageInfo, ...]:
        return tuple(_info(f) for f in self.selected)

    def public_info(
        self, tree: SourceTree, modules: ReadModules
    ) -> tuple[tuple[PackageInfo, ...], tuple[ScanProblem, ...]]:
        """info() with each package's public API (entry points, public functions), and its problems."""
        # Each package reads the links of its folder: a slice of the sorted paths, not every file's.
        linked = sorted(path for path, x in modules.extractions.items() if x.links is not None)
        infos: list[PackageInfo] = []
        problems: list[ScanProblem] = []
        for files in self.selected:
            info = _info(files)
            # Node resolves `exports` into a nested package's folder too (ramda's `es/package.json` holds only
            # `"type": "module"`; preact's `compat/`): its files are the package's for the public API.
            reachable = info.files + files.nested_files
            manifests = (posixpath.join(info.path, MANIFEST_NAME), *files.nested_manifests)
            below = tuple(linked[slice(*folder_span(linked, info.path))])
            key = _PublicApiKey(
                modules.reader,
                info.path,
                manifests,
                tuple(map(self.manifest_shas.get, manifests)),
                reachable,
                below,
                tuple(map(modules.shas.get, below)),
            )
            decide = functools.partial(_public_api, key, tree, modules.extractions)
            keep = key.complete() and modules.settled.isdisjoint(below)
            api = _KEPT_PUBLIC_APIS.get(key, decide) if keep else decide()
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


@dataclass(frozen=True, slots=True)
class ReadModules:
    """The files a scan read, as the packages' public API needs them."""

    extractions: Mapping[str, FileExtraction]  # by path, built functions settled (domain/built_functions.py)
    shas: Mapping[str, str | None]  # each read file's blob sha
    settled: AbstractSet[str]  # the files settling changed: what they export depends on other files too
    reader: str  # the extractor that read them: one blob reads differently with another


@dataclass(frozen=True, slots=True)
class _PublicApiKey:
    """What decides a package's public API: its manifests, the files it holds and its modules, by path and
    blob sha. A module's links and default export are its blob's own facts (the blob cache keeps them by sha
    and reader) unless settling changed them, and package_public_api reads nothing else: equal keys of
    unsettled modules, equal API."""

    reader: str
    folder: str
    manifests: tuple[str, ...]  # its package.json, then the nested ones
    manifest_shas: tuple[str | None, ...]  # their blob shas, in that order
    reachable: tuple[str, ...]
    modules: tuple[str, ...]  # each read module with links below the folder
    module_shas: tuple[str | None, ...]  # their blob shas, in that order

    def complete(self) -> bool:
        """Whether every blob has a sha (a tree that could not hash one cannot key it)."""
        return None not in self.manifest_shas and None not in self.module_shas


def _public_api(key: _PublicApiKey, tree: SourceTree, extractions: Mapping[str, FileExtraction]) -> PublicApi:
    manifest_path, *nested = key.manifests
    links = {path: links for path in key.modules if (links := extractions[path].links) is not None}
    default_names = {path: f.name for path in links for f in extractions[path].functions if f.export_type == "default"}
    types = {posixpath.dirname(p): str(_manifest(tree, p).get("type", "")) for p in nested}
    manifest = _manifest(tree, manifest_path)
    return package_public_api(key.folder, manifest, key.reachable, links, default_names, folder_types=types)


class _KeptPublicApis:
    """The public APIs last decided, by key: a rescan usually finds most packages' files as they were, so their
    public API is kept for the process's next scans (a warm Lambda container, the local runtime), like their
    files' decisions. Only keys and answers are kept, never the tree or the extractions they came from."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._kept: OrderedDict[_PublicApiKey, PublicApi] = OrderedDict()
        self.hits = 0

    def get(self, key: _PublicApiKey, decide: Callable[[], PublicApi]) -> PublicApi:
        api = self._kept.get(key)
        if api is not None:
            self.hits += 1
            self._kept.move_to_end(key)
            return api
        api = self._kept[key] = decide()
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return api

    def clear(self) -> None:
        self._kept.clear()
        self.hits = 0


_KEPT_PUBLIC_APIS = _KeptPublicApis(size=256)


def clear_public_api_memo() -> None:
    """Forget the kept public APIs (for measuring a cold first scan)."""
    _KEPT_PUBLIC_APIS.clear()


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
    sources = package_sources(entries, rules)
    paths = sources.manifest_paths
    if not paths:
        if names:
            raise InvalidInput("the tree has no package.json, so no package to choose", field="package")
        return None
    ignore_paths = sources.ignore_file_paths
    read = [*sources.manifests, *sources.ignore_files]
    if sources.pnpm_workspace is not None:
        read.append(sources.pnpm_workspace)
    contents = {e.path: data for e, data in tree.read_many(sorted(read, key=lambda e: e.path))}

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
    manifest_shas = {e.path: e.sha for e in sources.manifests}
    return TreePackages(layout, files, _select(files, names), manifest_shas)


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
    return PackageInfo(
        name=package.name,
        version=package.version,
        path=package.path,
        module_slug=package.module_slug,
        private=package.private,
        files=files.published,
        excluded=files.excluded_modules,
    )
