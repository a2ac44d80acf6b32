"""An app's bodies: creating one."""

from __future__ import annotations

from pydantic import Field

from typing import TYPE_CHECKING

from codetracker.api.models.common import RequestBody, ValueOut
from codetracker.api.models.patterns import NAME_PATTERN, URL_PATTERN, documented

if TYPE_CHECKING:
    from codetracker.usecases.registry import CreatedApp


class CreateAppBody(RequestBody):
    name: str = Field(min_length=1, max_length=200, json_schema_extra=documented(NAME_PATTERN))
    callback_url: str | None = Field(
        default=None,
        description="default notification URL of the app's repositories",
        json_schema_extra=documented(URL_PATTERN),
    )


class AppCreated(ValueOut):
    id: str
    name: str
    token: str = Field(repr=False, description="the app's bearer token; shown only in this answer")
    signing_secret: str = Field(
        repr=False, description="`whsec_` secret the notifications are signed with; shown only here"
    )
    callback_url: str | None

    @classmethod
    def of(cls, created: CreatedApp) -> AppCreated:
        return cls.filled_from(created.app, token=created.token, signing_secret=created.signing_secret)
