"""A page of a listing: its items and the cursor of the next page (contracts/cursors.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from codetracker.contracts.cursors import Listing

Item = TypeVar("Item")
Key = TypeVar("Key")


@dataclass(frozen=True, slots=True)
class Page(Generic[Item]):
    items: tuple[Item, ...]
    next_cursor: str | None  # None on the last page


def page_of(found: Sequence[Item], limit: int, listing: Listing[Key], key: Callable[[Item], Key | None]) -> Page[Item]:
    """The first `limit` of `found`, which holds one more item than asked when a next page exists (so that
    knowing it needs no second query); the next cursor is the key of the page's last item (None: no cursor)."""
    items = tuple(found[:limit])
    last = key(items[-1]) if len(found) > limit and items else None
    return Page(items, None if last is None else listing.encode(last))
