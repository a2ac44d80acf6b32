"""The in-memory activity store."""

from __future__ import annotations

from dataclasses import replace

from codetracker.adapters.memory_store.state import StateStore
from codetracker.domain.registry import Activity
from codetracker.errors import InvalidInput


class MemoryActivityStore(StateStore):
    def add(self, activity: Activity) -> None:
        if activity.repository_id not in self._state.registrations or activity.app_id not in self._state.apps:
            raise InvalidInput("an activity needs an existing registration and app", field="repository_id")
        self._state.last_activity_id += 1
        self._state.activities.append(replace(activity, id=self._state.last_activity_id))

    def list_for_repository(self, repository_id: str, *, limit: int, before: int | None = None) -> list[Activity]:
        found = [
            a
            for a in reversed(self._state.activities)
            if a.repository_id == repository_id and (before is None or (a.id or 0) < before)
        ]
        return found[:limit]
