"""The in-memory transactional outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from codetracker.adapters.memory_store.state import StateStore
from codetracker.domain.queue_messages import OutboxMessage
from codetracker.errors import InvalidInput


class MemoryOutboxStore(StateStore):
    def add(self, message: OutboxMessage) -> OutboxMessage:
        if message.job_id not in self._state.jobs:
            raise InvalidInput("an outbox message needs an existing job", field="job_id")
        self._state.last_outbox_id += 1
        stored_id = self._state.last_outbox_id
        stored = replace(message, id=stored_id, sent_at=None, attempts=0, last_error=None)
        self._state.outbox[stored_id] = stored
        return stored

    def claim(
        self, *, at: datetime, until: datetime, limit: int, job_ids: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        claims = self._state.outbox_claimed_until
        # By id, as stored: every stored message has one.
        free = [
            (message_id, m)
            for message_id, m in sorted(self._state.outbox.items())
            if m.sent_at is None
            and (message_id not in claims or claims[message_id] <= at)
            and (job_ids is None or m.job_id in job_ids)
        ][:limit]
        claimed = []
        for message_id, message in free:
            message = replace(message, attempts=message.attempts + 1)
            self._state.outbox[message_id] = message
            claims[message_id] = until
            claimed.append(message)
        return claimed

    def mark_sent(self, ids: Sequence[int], *, at: datetime) -> None:
        for message_id in ids:
            message = self._state.outbox.get(message_id)
            if message is not None and message.sent_at is None:
                self._state.outbox[message_id] = replace(message, sent_at=at)
                self._state.outbox_claimed_until.pop(message_id, None)

    def release(self, message_id: int, *, retry_at: datetime, error: str | None) -> None:
        message = self._state.outbox.get(message_id)
        if message is None or message.sent_at is not None:
            return
        if error is None:
            message = replace(message, attempts=max(message.attempts - 1, 0))
        else:
            message = replace(message, last_error=error)
        self._state.outbox[message_id] = message
        self._state.outbox_claimed_until[message_id] = retry_at

    def unsent(self, *, limit: int) -> list[OutboxMessage]:
        return sorted((m for m in self._state.outbox.values() if m.sent_at is None), key=lambda m: m.id or 0)[:limit]
