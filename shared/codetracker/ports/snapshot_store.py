"""The stored snapshots: a store of the unit of work, with the values its methods take (a snapshot to store,
which summaries or functions to list, the packages a scan of a tree found), its listing cursors and outline."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import KW_ONLY, dataclass
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
from codetracker.domain.scan import ScanResult


@dataclass(frozen=True, slots=True)
class SnapshotCursor:
    """Where a listing stopped: the key of its last item (keyset pagination, stable under inserts)."""

    module_slug: str
    branch_name: str
    release_tag: str


@dataclass(frozen=True, slots=True)
class SnapshotToStore:
    """What SnapshotStore.store_snapshot replaces the snapshot under `key` with, and how."""

    key: SnapshotKey
    descriptor: Descriptor
    source: SnapshotSource
    _: KW_ONLY
    # When the scan read its source: a snapshot stored with a later one is not replaced. None: the store's
    # own moment.
    scanned_at: datetime | None = None
    replace_source: bool = False  # replace a snapshot scanned from another source
    # The module slug of the scan a package's snapshot comes from (recorded; None for a whole-tree module).
    package_of: str | None = None

    @classmethod
    def of_scan(
        cls, scan: ScanResult, *, replace_source: bool = False, package_of: str | None = None
    ) -> SnapshotToStore:
        """What a scan found, as of the moment it read its source."""
        return cls(
            scan.key,
            scan.descriptor,
            scan.source,
            scanned_at=scan.scanned_at,
            replace_source=replace_source,
            package_of=package_of,
        )


@dataclass(frozen=True, slots=True)
class SnapshotSelection:
    """Which summaries SnapshotStore.list_snapshots lists: of one scope, of one module, branch and release tag
    when given, after the cursor; at most `limit` (None: all)."""

    module_slug: str | None = None
    branch_name: str | None = None
    release_tag: str | None = None
    _: KW_ONLY
    scope: str = DEFAULT_SCOPE
    limit: int | None = None
    after: SnapshotCursor | None = None

    def selects(self, key: SnapshotKey) -> bool:
        return (
            key.scope == self.scope
            and self.module_slug in (None, key.module_slug)
            and self.branch_name in (None, key.branch_name)
            and self.release_tag in (None, key.release_tag)
            and (self.after is None or _listing_order(key) > _listing_order(self.after))
        )


def _listing_order(key: SnapshotKey | SnapshotCursor) -> tuple[str, str, str]:
    return key.module_slug, key.branch_name, key.release_tag


@dataclass(frozen=True, slots=True)
class FunctionSelection:
    """Which functions of snapshot `snapshot_id` SnapshotStore.load_functions loads: at most `limit`, after the
    cursor, only those of `file_path` (a folder's when it ends with `/`) and of that name, when given."""

    snapshot_id: int
    _: KW_ONLY
    limit: int
    after: FunctionCursor | None = None
    file_path: str | None = None
    name: str | None = None

    def selects(self, function: ExportedFunction) -> bool:
        return (
            (
                self.after is None
                or (function.file_path, function.order_in_file) > (self.after.file_path, self.after.order_in_file)
            )
            and self._of_file(function.file_path)
            and self.name in (None, function.name)
        )

    def _of_file(self, path: str) -> bool:
        if self.file_path is None:
            return True
        return path.startswith(self.file_path) if self.file_path.endswith("/") else path == self.file_path


@dataclass(frozen=True, slots=True)
class PresentPackages:
    """The packages a scan of one tree (`package_of`: the tree's module slug) found under one branch and release
    tag: the tree's other stored packages are gone from it (SnapshotStore.mark_packages_removed)."""

    scope: str
    package_of: str
    _: KW_ONLY
    branch_name: str
    release_tag: str
    present: Collection[str]  # the slugs of the packages found
    commit_sha: str | None  # the scanned commit
    at: datetime  # when the scan read the tree

    def of_tree(self, key: SnapshotKey, stored_package_of: str | None) -> bool:
        """A package snapshot of the tree under this branch and release (present or not), or the tree's whole-tree
        snapshot stored before it had packages."""
        return (key.scope, key.branch_name, key.release_tag) == (self.scope, self.branch_name, self.release_tag) and (
            stored_package_of == self.package_of or (stored_package_of is None and key.module_slug == self.package_of)
        )


class SnapshotStore(Protocol):
    """The stored snapshots, inside one unit of work (see UnitOfWork)."""

    def store_snapshot(self, snapshot: SnapshotToStore) -> SnapshotSummary:
        """Replace the snapshot under its key; every other key stays untouched (see SnapshotToStore).

        A snapshot scanned from another source (SnapshotSource.location and subpath) is not replaced unless
        replace_source says to: SnapshotSourceConflict naming both. A snapshot or a scan whose source is not
        known is replaced (and the scan's source recorded).

        A snapshot stored with a later scanned_at is not replaced: StaleSnapshot, carrying the stored summary.
        Without scanned_at the store's own moment is used, taken once the key is its turn (never before the
        stored one's), so such stores replace in commit order and are never refused.
        """
        ...

    def list_snapshots(self, selection: SnapshotSelection = SnapshotSelection()) -> list[SnapshotSummary]:
        """Summaries of one scope, ordered by (module_slug, branch_name, release_tag), after the cursor."""
        ...

    def load_snapshot(self, key: SnapshotKey) -> Descriptor:
        """Raise codetracker.errors.SnapshotNotFound when absent."""
        ...

    def summary_by_id(self, snapshot_id: int) -> SnapshotSummary | None:
        """The summary of the snapshot with this id (`module_id`), in whatever scope; the caller checks the
        scope is one it may read."""
        ...

    def load_functions(self, selection: FunctionSelection) -> list[ExportedFunction]:
        """A page of one snapshot's functions, with parameters and return values, ordered by (file_path,
        order_in_file), after the cursor; only those the selection selects."""
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

    def mark_packages_removed(self, found: PresentPackages) -> list[SnapshotSummary]:
        """Mark the package snapshots of `found.package_of` under its branch and release whose slug is not in
        `found.present` as removed from the tree (at `found.at`, at `found.commit_sha`), unless marked already;
        nothing is deleted. The tree's whole-tree snapshot stored before it had packages (slug `package_of`, no
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
