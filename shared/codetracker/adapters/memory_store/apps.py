"""The in-memory app store."""

from __future__ import annotations

from datetime import datetime

from codetracker.adapters.memory_store.state import StateStore
from codetracker.domain.registry import App
from codetracker.errors import Conflict


class MemoryAppStore(StateStore):
    def add(self, app: App) -> None:
        if app.id in self._state.apps or any(a.token_sha256 == app.token_sha256 for a in self._state.apps.values()):
            raise Conflict("an app with this id or token exists")
        self._state.apps[app.id] = app

    def by_token_sha256(self, token_sha256: bytes, *, now: datetime | None = None) -> App | None:
        found = next((a for a in self._state.apps.values() if a.token_sha256 == token_sha256), None)
        if found is None and now is not None:
            found = next(
                (
                    a
                    for a in self._state.apps.values()
                    if a.previous_token_sha256 == token_sha256
                    and a.previous_token_expires_at is not None
                    and now < a.previous_token_expires_at
                ),
                None,
            )
        return found

    def get(self, app_id: str) -> App | None:
        return self._state.apps.get(app_id)

    def lock(self, app_id: str) -> App | None:
        return self.get(app_id)  # a unit of work of the fake runs alone: nothing to wait for

    def update(self, app: App) -> None:
        if app.id in self._state.apps:
            self._state.apps[app.id] = app
