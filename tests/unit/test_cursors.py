"""One cursor scheme for every listing: each listing reads back its own cursors, and refuses as InvalidInput
naming `cursor` (an HTTP 422) anything else: garbage, a tampered cursor, another listing's, another version."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from codetracker.contracts.cursors import ACTIVITY, FUNCTIONS, JOBS, REPOSITORIES, SNAPSHOTS, Listing
from codetracker.errors import InvalidInput
from codetracker.ports.snapshot_store import FunctionCursor, SnapshotCursor
from codetracker.usecases.pages import page_of

MOMENT = datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
KEYS: dict[str, tuple[Listing, object]] = {
    "snapshots": (SNAPSHOTS, SnapshotCursor("widgets", "main", "v1.0.0")),
    "functions": (FUNCTIONS, FunctionCursor("lib/ünicode.js", 7)),
    "repositories": (REPOSITORIES, (MOMENT, "8b1a9953-c461-4296-a0b4-a2b5bca21cd6")),
    "jobs": (JOBS, (MOMENT, "f47ac10b-58cc-4372-a567-0e02b2c3d479")),
    "activity": (ACTIVITY, 42),
}


def _raw(cursor: str) -> list:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def _cursor(raw: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def _refused(listing: Listing, text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        listing.decode(text)
    assert refused.value.field == "cursor"


@pytest.mark.parametrize("name", KEYS)
def test_each_listing_reads_back_its_own_cursor_and_the_scheme_is_shared(name):
    listing, key = KEYS[name]
    cursor = listing.encode(key)
    assert listing.decode(cursor) == key
    assert "=" not in cursor and _raw(cursor)[:2] == [1, name]  # one scheme: [version, listing, *values]


@pytest.mark.parametrize("name", KEYS)
def test_another_listings_cursor_is_refused(name):
    listing, _ = KEYS[name]
    for other_name, (other, key) in KEYS.items():
        if other_name != name:
            _refused(listing, other.encode(key))


@pytest.mark.parametrize("name", KEYS)
def test_a_tampered_cursor_is_refused(name):
    listing, key = KEYS[name]
    raw = _raw(listing.encode(key))
    tampered = [
        [2, *raw[1:]],  # another version
        [*raw, "extra"],  # one value too many
        raw[:-1],  # one too few
        [*raw[:2], *([True] * (len(raw) - 2))],  # values of the wrong type (a bool is not an int)
        [*raw[:2], *([None] * (len(raw) - 2))],
        {"v": 1},
        "text",
    ]
    for raw_cursor in tampered:
        _refused(listing, _cursor(raw_cursor))
    cursor = listing.encode(key)
    for bad in ("", "!!!", "e30", cursor[:-3], cursor + "A", "W1s" * 400):
        _refused(listing, bad)


def test_a_moment_without_its_time_zone_or_a_non_moment_is_refused():
    _refused(JOBS, _cursor([1, "jobs", "2026-01-02T03:04:05", "x"]))
    _refused(REPOSITORIES, _cursor([1, "repositories", "yesterday", "x"]))


def test_a_page_holds_the_first_items_and_the_key_of_its_last_when_there_are_more():
    page = page_of([1, 2, 3], 2, ACTIVITY, lambda item: item)
    assert page.items == (1, 2) and ACTIVITY.decode(page.next_cursor) == 2
    assert page_of([1, 2], 2, ACTIVITY, lambda item: item).next_cursor is None  # the last page
    assert page_of([], 2, ACTIVITY, lambda item: item).next_cursor is None
    # An item without a key (an activity not stored) ends the listing rather than hand out a broken cursor.
    assert page_of([1, 2, 3], 2, ACTIVITY, lambda item: None).next_cursor is None
