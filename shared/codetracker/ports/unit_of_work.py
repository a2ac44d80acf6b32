"""One transaction over every store."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from codetracker.ports.blob_cache import ParsedBlobCache
from codetracker.ports.service_stores import (
    ActivityStore,
    AppStore,
    JobStore,
    OutboxStore,
    RegistrationStore,
    RetentionStore,
    WebhookDeliveryStore,
)
from codetracker.ports.snapshot_store import SnapshotStore


class UnitOfWork(Protocol):
    """One transaction over the stores: everything done through it is committed together or not at all.

    Used as a context manager; leaving the block without commit() rolls back. A failure of the database
    inside the unit raises StoreUnavailable and nothing is re-run: the caller (or the queue) retries the
    whole unit.
    """

    # Read-only to callers (properties): an adapter's store may then be its own type, not the port's.
    @property
    def snapshots(self) -> SnapshotStore: ...
    @property
    def blob_cache(self) -> ParsedBlobCache: ...
    @property
    def apps(self) -> AppStore: ...
    @property
    def registrations(self) -> RegistrationStore: ...
    @property
    def jobs(self) -> JobStore: ...
    @property
    def activities(self) -> ActivityStore: ...
    @property
    def webhook_deliveries(self) -> WebhookDeliveryStore: ...
    @property
    def retention(self) -> RetentionStore: ...
    @property
    def outbox(self) -> OutboxStore: ...

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None, /
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work. read_only: every read sees one consistent state of the database."""
        ...
