"""What every snapshot store checks before it writes, and the counts it records beside a snapshot."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource, SnapshotSummary
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


def stored_summary(
    key: SnapshotKey,
    source: SnapshotSource,
    rows: RowCounts,
    *,
    snapshot_id: int,
    scanned_at: str,
    recorded_source: tuple[str | None, str],
    package_of: str | None,
) -> SnapshotSummary:
    """The summary of a snapshot just stored (storing clears the removal marks). `recorded_source`: the
    (location, subpath) the store keeps, which is the scan's unless the scan's source is not known."""
    return SnapshotSummary(
        module_slug=key.module_slug,
        snapshot_id=snapshot_id,
        branch_name=key.branch_name,
        release_tag=key.release_tag,
        commit_sha=source.commit_sha,
        functions_count=rows.functions,
        parameters_count=rows.parameters,
        return_values_count=rows.return_values,
        files_count=rows.files,
        problems_count=rows.problems,
        last_scanned_at=scanned_at,
        scope=key.scope,
        source_location=recorded_source[0],
        source_subpath=recorded_source[1],
        package_of=package_of,
        package_name=source.name if package_of is not None else None,
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
