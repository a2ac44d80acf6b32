"""Reading stored snapshots: a page of summaries, or one snapshot's descriptor."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.contracts import decode_snapshot_cursor, encode_snapshot_cursor
from codetracker.domain.model import Descriptor, SnapshotSummary
from codetracker.errors import AmbiguousSnapshot, SnapshotNotFound
from codetracker.ports import SnapshotCursor, UnitOfWorkFactory
from codetracker.usecases.requests import SnapshotQuery


@dataclass(frozen=True, slots=True)
class SnapshotPage:
    items: tuple[SnapshotSummary, ...]
    next_cursor: str | None  # None on the last page


def list_snapshots(query: SnapshotQuery, *, unit_of_work: UnitOfWorkFactory) -> SnapshotPage:
    after = decode_snapshot_cursor(query.cursor) if query.cursor else None
    with unit_of_work(read_only=True) as uow:
        # One more than asked: whether a next page exists without a second query.
        found = uow.snapshots.list_snapshots(
            query.module_slug,
            query.branch_name,
            query.release_tag,
            scope=query.scope,
            limit=query.limit + 1,
            after=after,
        )
    items = tuple(found[: query.limit])
    more = len(found) > query.limit
    last = items[-1] if items else None
    cursor = SnapshotCursor(last.module_slug, last.branch_name, last.release_tag) if more and last else None
    return SnapshotPage(items, encode_snapshot_cursor(cursor) if cursor else None)


@dataclass(frozen=True, slots=True)
class SnapshotView:
    """What `show` answers: the matching snapshots, and one snapshot's descriptor when the query names it."""

    snapshots: tuple[SnapshotSummary, ...]
    descriptor: Descriptor | None = None


def show_snapshots(query: SnapshotQuery, *, unit_of_work: UnitOfWorkFactory) -> SnapshotView:
    """Every snapshot matching the query (all pages); with a tag that names exactly one snapshot, its
    descriptor too. Nothing matching → SnapshotNotFound; a tag on several branches → AmbiguousSnapshot."""
    with unit_of_work(read_only=True) as uow:
        snapshots = tuple(
            uow.snapshots.list_snapshots(query.module_slug, query.branch_name, query.release_tag, scope=query.scope)
        )
        if not snapshots:
            wanted = ", ".join(
                f"{name} {value!r}"
                for name, value in (("branch", query.branch_name), ("tag", query.release_tag))
                if value
            )
            raise SnapshotNotFound(
                f"no snapshots stored for {query.module_slug!r}" + (f" with {wanted}" if wanted else "")
            )
        if query.release_tag is None:
            return SnapshotView(snapshots)
        if len(snapshots) > 1:
            branches = ", ".join(sorted({s.branch_name for s in snapshots}))
            raise AmbiguousSnapshot(
                f"tag {query.release_tag!r} of {query.module_slug!r} is stored on several branches ({branches}): "
                "name the branch",
                field="branch",
            )
        (only,) = snapshots
        return SnapshotView(snapshots, uow.snapshots.load_snapshot(only.key))
