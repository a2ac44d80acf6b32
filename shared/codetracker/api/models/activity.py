"""A repository's activity: one line of its timeline."""

from __future__ import annotations

from datetime import datetime

from codetracker.api.models.common import Listing, ValueOut
from codetracker.domain.registry import Activity


class ActivityOut(ValueOut):
    id: int
    action_type: str
    status: str
    details: str | None
    job_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, a: Activity) -> ActivityOut:
        return cls.filled_from(a, id=a.id or 0, action_type=str(a.action_type), status=str(a.status))


class ActivityList(Listing[ActivityOut]):
    pass
