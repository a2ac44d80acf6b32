"""What every snapshot store checks before it writes, and the counts it records beside a snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource
from codetracker.domain.snapshot_sources import describe_source, replaces_source
from codetracker.errors import InvalidInput, SnapshotSourceConflict


@dataclass(frozen=True, slots=True)
class RowCounts:
    functions: int
    parameters: int
    return_values: int
    files: int
    problems: int


def row_counts(descriptor: Descriptor) -> RowCounts:
    functions = descriptor.functions
    return RowCounts(
        functions=len(functions),
        parameters=sum(len(f.parameters) for f in functions),
        return_values=sum(len(f.return_values) for f in functions),
        files=len(descriptor.files),
        problems=len(descriptor.problems),
    )


def describe_key(key: SnapshotKey) -> str:
    where = "" if key.scope == "local" else f" in scope {key.scope!r}"
    return f"{key.module_slug} (branch {key.branch_name!r}, release {key.release_tag!r}){where}"


def check_storable(key: SnapshotKey, descriptor: Descriptor) -> None:
    """A descriptor belongs under its own module's key, and lists each file once (files are compared by path
    with the stored ones, where a repeat would vanish)."""
    if descriptor.module_slug != key.module_slug:
        raise InvalidInput(
            f"descriptor of {descriptor.module_slug!r} cannot be stored under module {key.module_slug!r}",
            field="module_slug",
        )
    seen: set[str] = set()
    for entry in descriptor.files:
        if entry.path in seen:
            raise InvalidInput(
                f"the snapshot of {describe_key(key)} cannot be stored: file {entry.path!r} is listed twice",
                field="files",
            )
        seen.add(entry.path)


def check_same_source(key: SnapshotKey, stored: tuple[str | None, str], source: SnapshotSource) -> None:
    """A snapshot is replaced only by a scan of its own source (or when either source is not known)."""
    given = (source.location, source.subpath)
    if not replaces_source(stored, given):
        raise SnapshotSourceConflict(
            f"{describe_key(key)} was scanned from {describe_source(*stored)}, not from {describe_source(*given)}: "
            "not replaced"
        )
