"""The service's own answers: its health, and what it did with a GitHub webhook delivery."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str


class WebhookAnswer(BaseModel):
    outcome: str = Field(description="pong | queued | ignored | duplicate")
    job_ids: list[str] = []
    detail: str | None = None
