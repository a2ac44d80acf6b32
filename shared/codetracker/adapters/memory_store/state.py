"""What the in-memory database holds: one MemoryState shared by every unit of work of a factory, copied
by each unit and published at its commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from codetracker.domain.model import Descriptor, FileExtraction, SnapshotKey, SnapshotSummary
from codetracker.domain.job import Job
from codetracker.domain.queue_messages import OutboxMessage
from codetracker.domain.registry import Activity, App, Registration, WebhookDelivery


Stored = TypeVar("Stored", bound=Any)


def utc_now() -> datetime:
    return datetime.now(UTC)


def with_fields_of(item: Stored, source: Stored, names: Iterable[str]) -> Stored:
    """`item` with the named fields of `source`: what a store keeps of its stored copy, or takes of a new one."""
    return replace(item, **{name: getattr(source, name) for name in names})


@dataclass
class StoredSnapshot:
    summary: SnapshotSummary
    scanned_at: datetime
    descriptor: Descriptor


@dataclass
class MemoryState:
    """What a database would hold: shared by every unit of work made by one MemoryUnitOfWorkFactory."""

    snapshots: dict[SnapshotKey, StoredSnapshot] = field(default_factory=dict)
    blobs: dict[tuple[str, str], FileExtraction] = field(default_factory=dict)
    last_snapshot_id: int = 0
    apps: dict[str, App] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    activities: list[Activity] = field(default_factory=list)
    deliveries: dict[tuple[str, str], WebhookDelivery] = field(default_factory=dict)  # by (hook, delivery id)
    last_activity_id: int = 0
    blob_cached_at: dict[tuple[str, str], datetime] = field(default_factory=dict)
    outbox: dict[int, OutboxMessage] = field(default_factory=dict)
    outbox_claimed_until: dict[int, datetime] = field(default_factory=dict)
    last_outbox_id: int = 0

    def copy(self) -> MemoryState:
        # Shallow: stored values are never mutated, only replaced.
        return MemoryState(
            dict(self.snapshots),
            dict(self.blobs),
            self.last_snapshot_id,
            dict(self.apps),
            dict(self.registrations),
            dict(self.jobs),
            list(self.activities),
            dict(self.deliveries),
            self.last_activity_id,
            dict(self.blob_cached_at),
            dict(self.outbox),
            dict(self.outbox_claimed_until),
            self.last_outbox_id,
        )

    def new_snapshot_id(self) -> int:
        self.last_snapshot_id += 1
        return self.last_snapshot_id


class StateStore:
    """A store of the in-memory unit of work: it reads and writes the unit's working copy of the state."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
