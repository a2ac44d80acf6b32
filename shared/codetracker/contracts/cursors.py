"""Pagination cursors: opaque to clients, versioned inside, each bound to the listing that handed it out."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from codetracker.errors import InvalidInput
from codetracker.ports import FunctionCursor, SnapshotCursor

_CURSOR_VERSION = 1


def encode_snapshot_cursor(cursor: SnapshotCursor) -> str:
    raw = json.dumps([_CURSOR_VERSION, cursor.module_slug, cursor.branch_name, cursor.release_tag])
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_snapshot_cursor(text: str) -> SnapshotCursor:
    try:
        version, slug, branch, tag = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if version != _CURSOR_VERSION or not all(isinstance(v, str) for v in (slug, branch, tag)):
            raise ValueError(version)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    return SnapshotCursor(slug, branch, tag)


# --- listing cursors of the service (repositories, jobs, activity, a snapshot's functions) -------------------
# [version, listing, *keyset values]: a cursor of one listing is refused by another.


def encode_cursor(listing: str, *values: str | int) -> str:
    raw = json.dumps([_CURSOR_VERSION, listing, *values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(listing: str, text: str, *kinds: type) -> tuple[Any, ...]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(decoded, list) or decoded[:2] != [_CURSOR_VERSION, listing]:
            raise ValueError(decoded)
        values = tuple(decoded[2:])
        if len(values) != len(kinds) or not all(
            isinstance(v, k) and not isinstance(v, bool) for v, k in zip(values, kinds)
        ):
            raise ValueError(values)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    return values


def encode_moment_cursor(listing: str, moment: datetime, item_id: str) -> str:
    return encode_cursor(listing, moment.isoformat(), item_id)


def decode_moment_cursor(listing: str, text: str) -> tuple[datetime, str]:
    moment, item_id = decode_cursor(listing, text, str, str)
    try:
        parsed = datetime.fromisoformat(moment)
    except ValueError:
        raise InvalidInput("cursor is not one this service handed out", field="cursor") from None
    if parsed.tzinfo is None:
        raise InvalidInput("cursor is not one this service handed out", field="cursor")
    return parsed, item_id


def encode_function_cursor(cursor: FunctionCursor) -> str:
    return encode_cursor("functions", cursor.file_path, cursor.order_in_file)


def decode_function_cursor(text: str) -> FunctionCursor:
    path, order = decode_cursor("functions", text, str, int)
    return FunctionCursor(path, order)
