"""What the bodies of every resource share: the request base (unknown fields refused), the error body, a
listing's page, and how a body is filled from the domain value it shows."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from codetracker.usecases.pages import Page

Item = TypeVar("Item", bound=BaseModel)


class RequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. invalid_input, not_found, unauthorized")
    message: str
    field: str | None = Field(default=None, description="the request field at fault (dotted path), when one is")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Listing(BaseModel, Generic[Item]):
    """A page of a listing: its items and the `next` cursor (null on the last page). Each listing subclasses it
    (`class JobList(Listing[JobOut])`): the document names each by its own name."""

    items: list[Item]
    next: str | None

    @classmethod
    def of(cls, page: Page[Any], item_out: Callable[[Any], Item]) -> Self:
        """The page's items each shaped by `item_out`, and its next cursor."""
        return cls(items=[item_out(item) for item in page.items], next=page.next_cursor)


class ValueOut(BaseModel):
    """The base of a body that shows one domain value (a job, a repository, an activity line…)."""

    @classmethod
    def filled_from(cls, source: object, **given: Any) -> Self:
        """This body of `source`: its fields `given`, the others `source`'s attributes of the same name."""
        return cls(**fields_from(source, cls, **given))


def fields_from(source: object, model: type[BaseModel], **given: Any) -> dict[str, Any]:
    """`model`'s fields, in its order: those `given`, the others `source`'s attributes of the same name (a body
    that shows a domain value states only what it renames or converts)."""
    return {name: given[name] if name in given else getattr(source, name) for name in model.model_fields}
