"""Store access for tests that check one store call at a time: each call in a unit of work of its own,
committed (as the use cases do), so the assertions read like calls on a plain store."""

from __future__ import annotations

from codetracker.ports.unit_of_work import UnitOfWorkFactory


class CommittingSnapshotStore:
    def __init__(self, unit_of_work: UnitOfWorkFactory) -> None:
        self._unit_of_work = unit_of_work

    def store_snapshot(self, *args, **kwargs):
        with self._unit_of_work() as uow:
            summary = uow.snapshots.store_snapshot(*args, **kwargs)
            uow.commit()
        return summary

    def list_snapshots(self, *args, **kwargs):
        with self._unit_of_work(read_only=True) as uow:
            return uow.snapshots.list_snapshots(*args, **kwargs)

    def load_snapshot(self, *args, **kwargs):
        with self._unit_of_work(read_only=True) as uow:
            return uow.snapshots.load_snapshot(*args, **kwargs)


def snapshot_store(database) -> CommittingSnapshotStore:
    """The snapshot store of a PostgresDatabase, one committed unit of work per call."""
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory

    return CommittingSnapshotStore(PostgresUnitOfWorkFactory(database))


def blob_cache(database):
    """The blob cache of a PostgresDatabase as extraction uses it."""
    from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
    from codetracker.usecases.blob_cache import UnitOfWorkBlobCache

    return UnitOfWorkBlobCache(PostgresUnitOfWorkFactory(database))
