"""Persisting: a ScanResult → the snapshot stored under its key, replacing only that key, in one unit of work.

At-least-once delivery means a result may arrive twice or after a newer one: an older scan than the stored
one replaces nothing and is reported as such (`replaced=False`), never as an error."""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.domain.model import SnapshotSummary
from codetracker.domain.scan import ScanResult
from codetracker.errors import StaleSnapshot
from codetracker.garbage_collection import full_collections_deferred
from codetracker.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from codetracker.ports.snapshot_store import SnapshotToStore


@dataclass(frozen=True, slots=True)
class PersistResult:
    summary: SnapshotSummary  # of the snapshot now stored under the key (a newer one, when replaced is False)
    replaced: bool


def persist_scan(result: ScanResult, *, unit_of_work: UnitOfWorkFactory, replace_source: bool = False) -> PersistResult:
    """A snapshot scanned from another source is replaced only with replace_source (else
    SnapshotSourceConflict, which names both)."""
    with unit_of_work() as uow:
        persisted = store_scan(uow, result, replace_source=replace_source)
        if persisted.replaced:
            uow.commit()
    return persisted


def store_scan(
    uow: UnitOfWork, result: ScanResult, *, replace_source: bool = False, package_of: str | None = None
) -> PersistResult:
    """Store the scan's snapshot in the caller's unit of work; a snapshot of a newer scan stored under the key
    stays (replaced=False, its summary)."""
    try:
        with full_collections_deferred():  # the rows of thousands of functions, built and compared
            summary = uow.snapshots.store_snapshot(
                SnapshotToStore.of_scan(result, replace_source=replace_source, package_of=package_of)
            )
    except StaleSnapshot as stale:
        return PersistResult(summary=stale.stored, replaced=False)  # type: ignore[arg-type]
    return PersistResult(summary=summary, replaced=True)
