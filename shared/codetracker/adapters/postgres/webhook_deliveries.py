"""GitHub deliveries seen, on Postgres. `claim` inserts the (hook, delivery id) inside the caller's transaction:
a concurrent claim of the same key blocks on the unique key until that transaction ends, then finds it (the
transaction committed: a redelivery) or not (it rolled back: this one goes on)."""

from __future__ import annotations

from codetracker.adapters.postgres.store import ConnectionStore
from codetracker.domain.registry import DEPLOYMENT_HOOK, WebhookDelivery


class PostgresWebhookDeliveryStore(ConnectionStore):
    def claim(self, delivery: WebhookDelivery) -> bool:
        row = self._connection.execute(
            "INSERT INTO webhook_deliveries (delivery_id, event, received_at, outcome, hook) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (hook, delivery_id) DO NOTHING RETURNING delivery_id",
            [delivery.delivery_id, delivery.event, delivery.received_at, delivery.outcome, delivery.hook],
        ).fetchone()
        return row is not None

    def get(self, delivery_id: str, hook: str = DEPLOYMENT_HOOK) -> WebhookDelivery | None:
        row = self._connection.execute(
            "SELECT delivery_id, event, received_at, outcome, hook FROM webhook_deliveries "
            "WHERE hook = %s AND delivery_id = %s",
            [hook, delivery_id],
        ).fetchone()
        return WebhookDelivery(*row) if row else None
