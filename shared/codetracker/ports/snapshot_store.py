"""The stored snapshots: a store of the unit of work, with its listing cursors and outline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from codetracker.domain.model import (
    DEFAULT_SCOPE,
    Descriptor,
    ExportedFunction,
    PackageApi,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
    SnapshotSummary,
)


@dataclass(frozen=True, slots=True)
class SnapshotCursor:
    """Where a listing stopped: the key of its last item (keyset pagination, stable under inserts)."""

    module_slug: str
    branch_name: str
    release_tag: str


class SnapshotStore(Protocol):
    """The stored snapshots, inside one unit of work (see UnitOfWork)."""

    def store_snapshot(
        self,
        key: SnapshotKey,
        descriptor: Descriptor,
        source: SnapshotSource,
        *,
        scanned_at: datetime | None = None,
        replace_source: bool = False,
        package_of: str | None = None,
    ) -> SnapshotSummary:
        """Replace the snapshot under key; every other key stays untouched. `package_of`: the module slug
        of the scan a package's snapshot comes from (recorded; None for a whole-tree module).

        A snapshot scanned from another source (SnapshotSource.location and subpath) is not replaced unless
        replace_source says to: SnapshotSourceConflict naming both. A snapshot or a scan whose source is not
        known is replaced (and the scan's source recorded).

        scanned_at is when the scan read its source. A snapshot stored with a later scanned_at is not
        replaced: StaleSnapshot, carrying the stored summary. Without it the store's own moment is used, taken
        once the key is its turn (never before the stored one's), so such stores replace in commit order and
        are never refused.
        """
        ...

    def list_snapshots(
        self,
        module_slug: str | None = None,
        branch_name: str | None = None,
        release_tag: str | None = None,
        *,
        scope: str = DEFAULT_SCOPE,
        limit: int | None = None,
        after: SnapshotCursor | None = None,
    ) -> list[SnapshotSummary]:
        """Summaries of one scope, ordered by (module_slug, branch_name, release_tag), after the cursor."""
        ...

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        """Raise codetracker.errors.SnapshotNotFound when absent."""
        ...

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        """The summary of the snapshot with this id (`module_id`), in whatever scope; the caller checks the
        scope is one it may read."""
        ...

    def load_functions(
        self,
        snapshot_id: int,
        *,
        limit: int,
        after: FunctionCursor | None = None,
        file_path: str | None = None,
        name: str | None = None,
    ) -> list[ExportedFunction]:
        """A page of one snapshot's functions, with parameters and return values, ordered by (file_path,
        order_in_file), after the cursor; only those of file_path (a folder's when it ends with `/`) and of
        that name, when given."""
        ...

    def load_outline(self, snapshot_id: int) -> SnapshotOutline:
        """The files holding the snapshot's functions, with how many each, and its scan problems (by path)."""
        ...

    def load_public_api(self, snapshot_id: int) -> tuple[PackageApi, tuple[ExportedFunction, ...]] | None:
        """The snapshot's public API and the function records its public functions name (with parameters
        and return values, in load_functions' order); None when the snapshot has no public API (a tree
        without package.json, a snapshot stored before public APIs were) or no such snapshot."""
        ...

    def mark_removed_from_remote(
        self, scope: str, module_slug: str, *, branch_name: str | None, release_tag: str, at: datetime
    ) -> int:
        """Mark the snapshots of a ref deleted on the remote (`branch_name` None: under any branch) as removed
        at `at`, unless marked already; nothing is deleted. Storing a snapshot under a key clears its mark.
        Returns how many were marked."""
        ...

    def mark_packages_removed(
        self,
        scope: str,
        package_of: str,
        *,
        branch_name: str,
        release_tag: str,
        present: Collection[str],
        commit_sha: str | None,
        at: datetime,
    ) -> list[SnapshotSummary]:
        """Mark the package snapshots of `package_of` under this branch and release whose slug is not in
        `present` as removed from the tree at `at` (at `commit_sha`), unless marked already; nothing is
        deleted. The tree's whole-tree snapshot stored before it had packages (slug `package_of`, no
        package_of of its own) counts as one of them: superseded by the packages, never left looking current.
        Returns the ones marked."""
        ...

    def delete_scope(self, scope: str) -> int:
        """Delete every snapshot of a scope; returns how many."""
        ...


@dataclass(frozen=True, slots=True)
class SnapshotOutline:
    function_files: tuple[tuple[str, int], ...]  # (file path, functions in it), by path
    problems: tuple[ScanProblem, ...]


@dataclass(frozen=True, slots=True)
class FunctionCursor:
    file_path: str
    order_in_file: int
