"""The public API of one package: its entry points (domain/entry_points.py) and, through the export graph
over its files' links (domain/export_graph.py), which function record each public export is.

Pure, over per-file facts the blob cache keeps: a rescan rebuilds only this. An export whose value one
file cannot decide (a call, a name from another package) is recorded with its reason, never guessed.
"""

from __future__ import annotations

import functools
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from codetracker.domain.entry_points import resolve_entry_points
from codetracker.domain.export_graph import DEFAULT, ExportGraph, ModuleLinks, Outcome
from codetracker.domain.model import PackageEntryPoint, ProblemKind, PublicFunction, ScanProblem, UnknownExport


@dataclass(frozen=True, slots=True)
class PublicApi:
    entry_points: tuple[PackageEntryPoint, ...]
    public_functions: tuple[PublicFunction, ...]
    unknown_exports: tuple[UnknownExport, ...]
    problems: tuple[ScanProblem, ...]


def package_public_api(
    package_path: str,
    manifest: Mapping[str, Any],
    published: tuple[str, ...],
    links: Mapping[str, ModuleLinks],
    default_names: Mapping[str, str],
    *,
    folder_types: Mapping[str, str] | None = None,
) -> PublicApi:
    """`package_path`: the package folder ("" for the root); `published`: its files, `links`: each read
    module's links, `default_names`: the record name of each file's default-exported function (its local
    name, or "default": domain/functions.function_name), all by path from the scanned root. Paths in the
    result are from the scanned root. `folder_types`: the `type` of each nested package.json below the
    package (its folder from the scanned root → type; ramda's `es/package.json` says "module"), which
    decides, with the package's own, how Node loads a `.js` file (node_reads_as)."""
    prefix = package_path + "/" if package_path else ""
    relative = {path[len(prefix) :] for path in published if path.startswith(prefix)}
    resolved = resolve_entry_points(manifest, relative)
    manifest_path = prefix + "package.json"
    # A package that declares no entry point (a CLI, a bundle of files) has no problem for lacking index.js.
    declared = any(key in manifest for key in ("exports", "module", "main"))
    problems = [
        ScanProblem(manifest_path, ProblemKind.ENTRY_POINT, _entry_reason(p.subpath, p.reason))
        for p in resolved.problems
        if declared
    ]
    entry_points = tuple(
        PackageEntryPoint(e.subpath, e.conditions, prefix + e.file_path if e.file_path else None)
        for e in resolved.entry_points
    )
    types = {package_path: str(manifest.get("type", "")), **(folder_types or {})}
    type_at = functools.cache(lambda folder: _type_at(folder, types))  # files share few folders
    modules = {
        path[len(prefix) :]: x
        for path, x in links.items()
        if path.startswith(prefix) and node_reads_as(path, x.commonjs, type_at(posixpath.dirname(path)))
    }
    entries = [(e.subpath, e.file_path) for e in resolved.entry_points if e.file_path in modules]
    name = manifest.get("name")
    graph = ExportGraph(modules, package_name=name if isinstance(name, str) else None, subpath_files=dict(entries))
    functions: list[PublicFunction] = []
    unknown: list[UnknownExport] = []
    for export in graph.public_exports(entries):
        found = export.resolved
        if found.outcome is Outcome.FUNCTION and found.file_path and found.name:
            path = prefix + found.file_path
            name = default_names.get(path, DEFAULT) if found.name == DEFAULT else found.name
            functions.append(PublicFunction(export.subpath, export.export_name, path, name))
        elif found.outcome is Outcome.UNKNOWN:
            reason = found.reason or "undecided"
            unknown.append(UnknownExport(export.subpath, export.export_name, reason))
            where = posixpath.join(package_path, export.subpath) if export.subpath != "." else manifest_path
            problems.append(ScanProblem(where, ProblemKind.UNKNOWN_EXPORT, f"export '{export.export_name}': {reason}"))
    return PublicApi(entry_points, tuple(functions), tuple(unknown), tuple(problems))


def _type_at(folder: str, types: Mapping[str, str]) -> str:
    """The `type` of the package.json nearest to the files of `folder` among `types` (folder → type)."""
    while folder not in types and folder:
        folder = posixpath.dirname(folder)
    return types.get(folder, "")


def node_reads_as(path: str, commonjs: bool, package_type: str) -> bool:
    """Whether Node loads the file in the form it was read in (CommonJS or ES module), `package_type` the
    nearest package.json's `type`: `.cjs` is CommonJS, `.mjs` an ES module; a `.js` file an ES module under
    `"module"`, CommonJS under `"commonjs"`, and else by its syntax (Node 22's and 20.19's detection:
    import/export statements make an ES module). A file in the other form fails to load (`module` is not
    defined in an ES module; `export` is a syntax error in CommonJS), so it exports nothing."""
    lower = path.lower()
    if lower.endswith(".cjs"):
        return commonjs
    if lower.endswith(".js") and package_type in ("module", "commonjs"):
        return commonjs is (package_type == "commonjs")
    return not commonjs or lower.endswith(".js")


def _entry_reason(subpath: str | None, reason: str) -> str:
    return f"entry point '{subpath}': {reason}" if subpath else reason
