"""Rotating a credential: how long the old value stays valid, and the new value (shown once)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from codetracker.api.models.common import RequestBody, ValueOut
from codetracker.api.models.repositories import WebhookOut


class RotateBody(RequestBody):
    grace_seconds: int | None = Field(
        default=None,
        strict=True,  # a JSON integer, as the document says; never "1" or true coerced
        ge=0,
        le=7 * 24 * 3600,
        description="how long the replaced value stays valid (0: invalid at once); default per credential",
    )


class _Rotated(ValueOut):
    """A rotation's answer: its own field holds the new value (`Rotated.value`)."""

    id: str
    previous_valid_until: datetime | None = Field(description="when the replaced value stops working; null: now")


class TokenRotated(_Rotated):
    token: str = Field(repr=False, description="the app's new bearer token; shown only in this answer")


class SigningSecretRotated(_Rotated):
    signing_secret: str = Field(repr=False, description="the new `whsec_` secret; shown only in this answer")


class WebhookSecretRotated(_Rotated):
    webhook: WebhookOut
