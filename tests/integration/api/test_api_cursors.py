"""Every paginated listing of the api takes the cursors of one scheme (contracts/cursors.py): its own pages
through, and anything else (garbage, a tampered cursor, another listing's) is a 422 naming the field `cursor`."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest

from codetracker.contracts.cursors import ACTIVITY, FUNCTIONS, JOBS, REPOSITORIES, SNAPSHOTS
from codetracker.ports.snapshot_store import FunctionCursor, SnapshotCursor
from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import bearer, http_event

REPO = f"/repositories/{ev.REPOSITORY_ID}"
MOMENT = datetime(2026, 1, 2, tzinfo=UTC)
LISTINGS = {  # path → its listing and a key of it
    "/repositories": (REPOSITORIES, (MOMENT, ev.REPOSITORY_ID)),
    f"{REPO}/jobs": (JOBS, (MOMENT, ev.REPOSITORY_ID)),
    f"{REPO}/snapshots": (SNAPSHOTS, SnapshotCursor("a", "main", "HEAD")),
    f"{REPO}/activity": (ACTIVITY, 10**9),
    f"/snapshots/{ev.SNAPSHOT_ID}": (FUNCTIONS, FunctionCursor("a.js", 0)),
}


def _get(api, path: str, cursor: str):
    return api.call(http_event("GET", path, headers=bearer(ev.APP_TOKEN), query={"cursor": cursor, "limit": "1"}))


def _tampered(cursor: str) -> str:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-1] = [raw[-1]]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", LISTINGS)
def test_a_listing_takes_its_own_cursors_and_refuses_any_other_naming_the_field(api, path):
    seed(api)
    listing, key = LISTINGS[path]
    assert _get(api, path, listing.encode(key)).status == 200
    others = [other.encode(other_key) for other, other_key in LISTINGS.values() if other is not listing]
    for bad in ["not-a-cursor", "e30", _tampered(listing.encode(key)), *others]:
        answer = _get(api, path, bad)
        assert answer.status == 422, (bad, answer.text)
        assert answer.json["error"]["code"] == "invalid_input" and answer.json["error"]["field"] == "cursor"
