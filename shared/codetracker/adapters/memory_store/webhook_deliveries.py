"""The in-memory record of webhook deliveries seen (redelivery detection)."""

from __future__ import annotations

from codetracker.adapters.memory_store.state import StateStore
from codetracker.domain.registry import DEPLOYMENT_HOOK, WebhookDelivery


class MemoryWebhookDeliveryStore(StateStore):
    def claim(self, delivery: WebhookDelivery) -> bool:
        key = (delivery.hook, delivery.delivery_id)
        if key in self._state.deliveries:
            return False
        self._state.deliveries[key] = delivery
        return True

    def get(self, delivery_id: str, hook: str = DEPLOYMENT_HOOK) -> WebhookDelivery | None:
        return self._state.deliveries.get((hook, delivery_id))
