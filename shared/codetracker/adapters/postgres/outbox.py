"""The outbox on Postgres, on the connection of a unit of work. A relay's claim is its own short transaction
(`FOR UPDATE SKIP LOCKED` then a lease in `claimed_until`): concurrent relays take different rows, no
transaction stays open while a message is sent, and a relay that dies mid-send lets its rows go when the lease
ends (they are sent again: at least once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from codetracker.adapters.postgres.row_mapping import RowMapping
from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.domain.queue_messages import OutboxMessage


# The outbox table's columns are OutboxMessage's fields.
_MESSAGES = RowMapping.of_fields(OutboxMessage, read={"job_id": str})


class PostgresOutboxStore(ConnectionStore):
    def add(self, message: OutboxMessage) -> OutboxMessage:
        row = self._connection.execute(
            "INSERT INTO outbox (job_id, queue, body, created_at) VALUES (%s, %s, %s, %s) RETURNING id",
            [message.job_id, message.queue, message.body, message.created_at],
        ).fetchone()
        assert row is not None
        return OutboxMessage(message.job_id, message.queue, message.body, message.created_at, id=row[0])

    def claim(
        self, *, at: datetime, until: datetime, limit: int, job_ids: Sequence[str] | None = None
    ) -> list[OutboxMessage]:
        wanted = ""
        values: list[object] = [at]
        if job_ids is not None:
            wanted = " AND job_id = ANY(%s::uuid[])"
            values.append(list(job_ids))
        values += [limit, until]
        rows = self._connection.execute(
            "WITH claimed AS ("
            " SELECT id FROM outbox WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until <= %s)"
            f"{wanted} ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED"
            ") UPDATE outbox o SET claimed_until = %s, attempts = o.attempts + 1 FROM claimed WHERE o.id = claimed.id "
            f"RETURNING {_MESSAGES.select_list('o.')}",
            values,
        ).fetchall()
        return sorted((_MESSAGES.item(row) for row in rows), key=lambda m: m.id or 0)

    def mark_sent(self, ids: Sequence[int], *, at: datetime) -> None:
        if ids:
            self._connection.execute(
                "UPDATE outbox SET sent_at = %s, claimed_until = NULL WHERE id = ANY(%s) AND sent_at IS NULL",
                [at, list(ids)],
            )

    def release(self, message_id: int, *, retry_at: datetime, error: str | None) -> None:
        self._connection.execute(
            "UPDATE outbox SET claimed_until = %s, last_error = coalesce(%s, last_error), "
            "attempts = CASE WHEN %s::text IS NULL THEN greatest(attempts - 1, 0) ELSE attempts END "
            "WHERE id = %s AND sent_at IS NULL",
            [retry_at, error, error, message_id],
        )

    def unsent(self, *, limit: int) -> list[OutboxMessage]:
        return _MESSAGES.all(
            self._connection.execute(
                f"SELECT {_MESSAGES.select_list()} FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT %s", [limit]
            )
        )
