"""The in-memory unit of work: the stores over a copy of the state, published at commit, with the
same transaction semantics as Postgres (nothing is visible to others before commit; leaving without commit
discards everything)."""

from __future__ import annotations

import threading
from typing import Self

from codetracker.adapters.memory_store.activities import MemoryActivityStore
from codetracker.adapters.memory_store.apps import MemoryAppStore
from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
from codetracker.adapters.memory_store.jobs import MemoryJobStore
from codetracker.adapters.memory_store.outbox import MemoryOutboxStore
from codetracker.adapters.memory_store.registrations import MemoryRegistrationStore
from codetracker.adapters.memory_store.retention import MemoryRetentionStore
from codetracker.adapters.memory_store.snapshots import MemorySnapshotStore
from codetracker.adapters.memory_store.state import MemoryState, utc_now
from codetracker.adapters.memory_store.webhook_deliveries import MemoryWebhookDeliveryStore
from codetracker.ports.clock import Clock


class MemoryUnitOfWork:
    snapshots: MemorySnapshotStore
    blob_cache: MemoryBlobCache
    apps: MemoryAppStore
    registrations: MemoryRegistrationStore
    jobs: MemoryJobStore
    activities: MemoryActivityStore
    webhook_deliveries: MemoryWebhookDeliveryStore
    retention: MemoryRetentionStore
    outbox: MemoryOutboxStore

    def __init__(self, factory: MemoryUnitOfWorkFactory) -> None:
        self._factory = factory
        self._working: MemoryState | None = None

    def __enter__(self) -> Self:
        # Serialised like units on one Postgres connection; each works on a copy, published at commit.
        self._factory.lock.acquire()
        self._working = self._factory.state.copy()
        self.snapshots = MemorySnapshotStore(self._working, self._factory.clock)
        self.blob_cache = MemoryBlobCache(self._working, self._factory.clock)
        self.apps = MemoryAppStore(self._working)
        self.registrations = MemoryRegistrationStore(self._working)
        self.jobs = MemoryJobStore(self._working)
        self.activities = MemoryActivityStore(self._working)
        self.webhook_deliveries = MemoryWebhookDeliveryStore(self._working)
        self.retention = MemoryRetentionStore(self._working)
        self.outbox = MemoryOutboxStore(self._working)
        return self

    def commit(self) -> None:
        if self._working is not None:
            self._factory.state = self._working
            self._working = None

    def rollback(self) -> None:
        self._working = None

    def __exit__(self, *exc_info: object) -> None:
        try:
            self.rollback()
        finally:
            self._factory.lock.release()


class MemoryUnitOfWorkFactory:
    def __init__(self, *, clock: Clock = utc_now) -> None:
        self.state = MemoryState()
        self.clock = clock
        self.lock = threading.RLock()

    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self)
