"""What users see of a package's public API: which function records are public, and the API grouped by
subpath (`show --public`, `GET /snapshots/{id}?public=true`).

A function record is public when some entry point reaches it: a public function names it by (file_path,
name). One reachable from no entry point stays a function of the snapshot (a deep import), not public.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from codetracker.domain.model import Descriptor, ExportedFunction, PackageApi, UnknownExport

FunctionKey = tuple[str, str]  # (file_path, name): a function record (with its overloads) of `functions`


def public_keys(descriptor: Descriptor) -> frozenset[FunctionKey] | None:
    """The function records some entry point reaches; None when the descriptor knows no public API (a tree
    without package.json, a snapshot stored before public APIs were)."""
    if descriptor.packages:
        return frozenset((f.file_path, f.name) for p in descriptor.packages for f in p.public_functions)
    if descriptor.public_api is not None:
        return frozenset((f.file_path, f.name) for f in descriptor.public_api.public_functions)
    return None


@dataclass(frozen=True, slots=True)
class PublicExport:
    """One export of a subpath and the function record it is (several records: the overloads of one name)."""

    export_name: str
    file_path: str
    name: str
    functions: tuple[ExportedFunction, ...]


@dataclass(frozen=True, slots=True)
class PublicSubpath:
    subpath: str  # "." or "./feature"
    file_path: str | None  # the entry point's file; None when its target is not in the tree
    conditions: tuple[str, ...]
    exports: tuple[PublicExport, ...]  # by export name
    unknown: tuple[UnknownExport, ...] = ()  # exports whose value could not be decided


def group_by_subpath(api: PackageApi, functions: Iterable[ExportedFunction]) -> tuple[PublicSubpath, ...]:
    """The public API by subpath, in entry point order (a subpath with public functions but no entry point
    recorded comes after them, by name); each subpath's exports by export name."""
    records: dict[FunctionKey, list[ExportedFunction]] = {}
    for f in functions:
        records.setdefault((f.file_path, f.name), []).append(f)
    exports: dict[str, list[PublicExport]] = {}
    for p in api.public_functions:
        found = tuple(records.get((p.file_path, p.name), ()))
        exports.setdefault(p.subpath, []).append(PublicExport(p.export_name, p.file_path, p.name, found))
    unknown: dict[str, list[UnknownExport]] = {}
    for u in api.unknown_exports:
        unknown.setdefault(u.subpath, []).append(u)
    entries = {e.subpath: e for e in api.entry_points}
    subpaths = list(entries) + sorted((set(exports) | set(unknown)) - set(entries))
    return tuple(
        PublicSubpath(
            subpath,
            entries[subpath].file_path if subpath in entries else None,
            entries[subpath].conditions if subpath in entries else (),
            tuple(sorted(exports.get(subpath, ()), key=lambda e: e.export_name)),
            tuple(sorted(unknown.get(subpath, ()), key=lambda u: u.export_name)),
        )
        for subpath in subpaths
    )
