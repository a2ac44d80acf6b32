"""A repository's activity: one line of its timeline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from codetracker.api.models.common import Listing, fields_from
from codetracker.domain.registry import Activity


class ActivityOut(BaseModel):
    id: int
    action_type: str
    status: str
    details: str | None
    job_id: str | None
    created_at: datetime

    @classmethod
    def of(cls, a: Activity) -> ActivityOut:
        return cls(**fields_from(a, ActivityOut, id=a.id or 0, action_type=str(a.action_type), status=str(a.status)))


class ActivityList(Listing[ActivityOut]):
    pass
