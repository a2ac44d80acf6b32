"""Deleting old rows of the in-memory database, with the cascades Postgres applies."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from codetracker.adapters.memory_store.state import StateStore


class MemoryRetentionStore(StateStore):
    def delete_activities(self, *, before: datetime, limit: int) -> int:
        doomed = sorted((a for a in self._state.activities if a.created_at < before), key=lambda a: a.created_at)
        ids = {a.id for a in doomed[:limit]}
        self._state.activities = [a for a in self._state.activities if a.id not in ids]
        return len(ids)

    def delete_jobs(self, *, before: datetime, limit: int) -> int:
        doomed = sorted((j for j in self._state.jobs.values() if j.created_at < before), key=lambda j: j.created_at)
        ids = {j.id for j in doomed[:limit]}
        for job_id in ids:
            del self._state.jobs[job_id]
        # As ON DELETE CASCADE does.
        for message in [m for m in self._state.outbox.values() if m.job_id in ids]:
            del self._state.outbox[message.id]  # type: ignore[arg-type]
            self._state.outbox_claimed_until.pop(message.id, None)  # type: ignore[arg-type]
        # As ON DELETE SET NULL does.
        self._state.activities = [replace(a, job_id=None) if a.job_id in ids else a for a in self._state.activities]
        return len(ids)

    def delete_webhook_deliveries(self, *, before: datetime, limit: int) -> int:
        doomed = sorted(
            (d for d in self._state.deliveries.values() if d.received_at < before), key=lambda d: d.received_at
        )[:limit]
        for d in doomed:
            del self._state.deliveries[(d.hook, d.delivery_id)]
        return len(doomed)

    def delete_stale_blobs(self, *, before: datetime, limit: int, readable: str) -> int:
        listed = {e.sha for s in self._state.snapshots.values() for e in s.descriptor.files if e.sha}
        doomed = sorted(
            (
                k
                for k, at in self._state.blob_cached_at.items()
                if at < before and (not k[1].startswith(readable) or k[0] not in listed)
            ),
            key=lambda k: self._state.blob_cached_at[k],
        )[:limit]
        for k in doomed:
            del self._state.blobs[k]
            del self._state.blob_cached_at[k]
        return len(doomed)
