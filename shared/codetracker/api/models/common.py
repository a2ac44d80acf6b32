"""What the bodies of every resource share: the request base (unknown fields refused) and the error body."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_input, not_found, unauthorized")
    message: str
    field: str | None = Field(default=None, description="the request field at fault (dotted path), when one is")


class ErrorBody(BaseModel):
    error: ErrorDetail
