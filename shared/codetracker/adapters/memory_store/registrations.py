"""The in-memory registration store."""

from __future__ import annotations

import builtins

from collections.abc import Iterable
from datetime import datetime

from codetracker.adapters.memory_store.state import StateStore, with_fields_of
from codetracker.domain.registry import Registration
from codetracker.errors import Conflict
from codetracker.ports.service_stores import WEBHOOK_SECRET_FIELDS


class MemoryRegistrationStore(StateStore):
    def _live(self) -> list[Registration]:
        return sorted(
            (r for r in self._state.registrations.values() if r.deleted_at is None), key=lambda r: (r.created_at, r.id)
        )

    def add(self, registration: Registration) -> None:
        if self.by_url(registration.app_id, registration.url) is not None:
            raise Conflict(f"the app already has a registration of {registration.url}")
        self._state.registrations[registration.id] = registration

    def get(self, app_id: str, registration_id: str) -> Registration | None:
        found = self._state.registrations.get(registration_id)
        return found if found and found.app_id == app_id and found.deleted_at is None else None

    def by_url(self, app_id: str, url: str) -> Registration | None:
        return next((r for r in self._live() if r.app_id == app_id and r.url == url), None)

    def list(self, app_id: str, *, limit: int, after: tuple[datetime, str] | None = None) -> list[Registration]:
        mine = [r for r in self._live() if r.app_id == app_id and (after is None or (r.created_at, r.id) > after)]
        return mine[:limit]

    def update(self, registration: Registration) -> None:
        stored = self.get(registration.app_id, registration.id)
        if stored is not None:
            self._state.registrations[registration.id] = with_fields_of(registration, stored, WEBHOOK_SECRET_FIELDS)

    def set_webhook_secrets(self, registration: Registration, *, expected: bytes | None) -> bool:
        stored = self.get(registration.app_id, registration.id)
        if stored is None or stored.webhook_secret_encrypted != expected:
            return False
        self._state.registrations[registration.id] = with_fields_of(
            stored, registration, (*WEBHOOK_SECRET_FIELDS, "updated_at")
        )
        return True

    def watching(self, urls: Iterable[str]) -> builtins.list[Registration]:
        wanted = set(urls)
        return [r for r in self._live() if r.url in wanted]

    def find(self, registration_id: str) -> Registration | None:
        return self._state.registrations.get(registration_id)

    def list_live(self, *, limit: int, after: str | None = None) -> builtins.list[Registration]:
        live = sorted((r for r in self._live() if after is None or r.id > after), key=lambda r: r.id)
        return live[:limit]
