"""Pagination cursors: one scheme for every listing of the service.

A cursor is the base64url (unpadded) of the compact JSON array `[version, listing, *keyset values]`: opaque to
clients, versioned inside, bound to the listing that handed it out. Another listing's cursor, a tampered or a
truncated one is InvalidInput naming the field `cursor` (HTTP 400), never a wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from codetracker.errors import InvalidInput
from codetracker.ports.snapshot_store import FunctionCursor, SnapshotCursor

CURSOR_VERSION = 1

Key = TypeVar("Key")


def _refused() -> InvalidInput:
    return InvalidInput("cursor is not one this service handed out", field="cursor")


@dataclass(frozen=True, slots=True)
class Listing(Generic[Key]):
    """One paginated listing: its name in its cursors, and its keyset key to and from the cursor's values."""

    name: str
    kinds: tuple[type, ...]  # the type of each value (a bool is never an int here)
    to_values: Callable[[Key], tuple[str | int, ...]]
    from_values: Callable[..., Key]  # the values → the key; ValueError when they do not make one

    def encode(self, key: Key) -> str:
        raw = json.dumps([CURSOR_VERSION, self.name, *self.to_values(key)], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, text: str) -> Key:
        try:
            decoded: Any = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            if not isinstance(decoded, list) or decoded[:2] != [CURSOR_VERSION, self.name]:
                raise ValueError(decoded)
            values = decoded[2:]
            if len(values) != len(self.kinds) or not all(
                isinstance(v, k) and not isinstance(v, bool) for v, k in zip(values, self.kinds, strict=True)
            ):
                raise ValueError(values)
            return self.from_values(*values)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
            raise _refused() from None


def _moment_and_id(moment: str, item_id: str) -> tuple[datetime, str]:
    parsed = datetime.fromisoformat(moment)
    if parsed.tzinfo is None:
        raise ValueError(moment)
    return parsed, item_id


def _moment_listing(name: str) -> Listing[tuple[datetime, str]]:
    """Newest or oldest first by (created_at, id)."""
    return Listing(name, (str, str), lambda key: (key[0].isoformat(), key[1]), _moment_and_id)


SNAPSHOTS: Listing[SnapshotCursor] = Listing(
    "snapshots", (str, str, str), lambda c: (c.module_slug, c.branch_name, c.release_tag), SnapshotCursor
)
FUNCTIONS: Listing[FunctionCursor] = Listing(
    "functions", (str, int), lambda c: (c.file_path, c.order_in_file), FunctionCursor
)
REPOSITORIES = _moment_listing("repositories")
JOBS = _moment_listing("jobs")
ACTIVITY: Listing[int] = Listing("activity", (int,), lambda activity_id: (activity_id,), int)
