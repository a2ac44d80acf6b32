"""GET /snapshots/{id} through the api's handler against real Postgres: functions filtered by file (or folder)
and name, paged with the same filters; the files holding functions with their counts; the scan's problems."""

from __future__ import annotations

from codetracker.domain.model import (
    Descriptor,
    ExportedFunction,
    ProblemKind,
    ScanProblem,
    SnapshotKey,
    SnapshotSource,
)
from codetracker.domain.registry import registration_scope
from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import bearer, http_event
from codetracker.ports.snapshot_store import SnapshotToStore


def get(api, path, token=ev.APP_TOKEN, **query):
    return api.call(http_event("GET", path, headers=bearer(token), query={k: str(v) for k, v in query.items()} or None))


def store_release(api) -> int:
    functions = tuple(
        ExportedFunction(name, path, "named", False, None, None, i)
        for path, names in (("lib/a.js", ["open", "close"]), ("lib/b.js", ["open"]), ("src/index.js", ["main"]))
        for i, name in enumerate(names)
    )
    problems = (
        ScanProblem("lib/broken.js", ProblemKind.PARSE_ERROR, "Unexpected token", 3, 7),
        ScanProblem("vendor/huge.js", ProblemKind.SKIPPED, "larger than 1 MB"),
    )
    with api.services.unit_of_work() as uow:
        summary = uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("hello-js", "main", "v1.0.0", registration_scope(ev.REPOSITORY_ID)),
                Descriptor("hello-js", functions, problems=problems),
                SnapshotSource("hello-js", ev.REPOSITORY_URL, ev.PREVIOUS_COMMIT, ev.REPOSITORY_URL),
            ),
        )
        uow.commit()
    return summary.snapshot_id


def test_functions_filter_by_file_folder_and_name_and_page_with_the_filter(api):
    seed(api)
    snapshot = f"/snapshots/{store_release(api)}"
    whole = get(api, snapshot).json
    assert [(f["file_path"], f["name"]) for f in whole["functions"]] == [
        ("lib/a.js", "open"),
        ("lib/a.js", "close"),
        ("lib/b.js", "open"),
        ("src/index.js", "main"),
    ]
    assert whole["files"] == [
        {"path": "lib/a.js", "functions_count": 2},
        {"path": "lib/b.js", "functions_count": 1},
        {"path": "src/index.js", "functions_count": 1},
    ]
    assert whole["problems"] == [
        {"path": "lib/broken.js", "kind": "parse_error", "reason": "Unexpected token", "line": 3, "column": 7},
        {"path": "vendor/huge.js", "kind": "skipped", "reason": "larger than 1 MB", "line": None, "column": None},
    ]
    assert whole["files_count"] == 0 and whole["problems_count"] == 2  # no tree entries were recorded

    assert [f["name"] for f in get(api, snapshot, file="lib/a.js").json["functions"]] == ["open", "close"]
    opened = get(api, snapshot, name="open").json["functions"]
    assert [f["file_path"] for f in opened] == ["lib/a.js", "lib/b.js"]
    folder = get(api, snapshot, file="lib/", limit=2).json
    assert [f["file_path"] for f in folder["functions"]] == ["lib/a.js", "lib/a.js"] and folder["next"]
    rest = get(api, snapshot, file="lib/", limit=2, cursor=folder["next"]).json
    assert [(f["file_path"], f["name"]) for f in rest["functions"]] == [("lib/b.js", "open")] and rest["next"] is None
    assert get(api, snapshot, file="lib/a.js", name="close").json["functions"][0]["order_in_file"] == 1
    assert get(api, snapshot, file="nowhere.js").json["functions"] == []
    # the filters leave the outline whole
    assert len(get(api, snapshot, name="main").json["files"]) == 3


def test_bad_filters_are_422_naming_the_field_and_other_apps_still_see_nothing(api):
    seed(api)
    snapshot = f"/snapshots/{store_release(api)}"
    for query, field in (({"file": ""}, "file"), ({"name": ""}, "name"), ({"name": "a\nb"}, "name")):
        answer = get(api, snapshot, **query)
        assert answer.status == 422, (query, answer.text)
        assert field in (answer.json["error"].get("field") or "") + answer.json["error"]["message"]
    too_long = get(api, snapshot, file="x" * 5000)
    assert too_long.status == 422 and "file" in too_long.text
    assert get(api, snapshot, token=ev.OTHER_APP_TOKEN, name="open").status == 404


def test_public_only_lists_the_public_api_and_refuses_paging_filters(api):
    seed(api)  # snapshot 1 has a public API (see seed)
    without = f"/snapshots/{store_release(api)}"  # stored without one: not a package's
    answer = get(api, without, public="true")
    assert answer.status == 200 and answer.json["public_api"] is None and answer.json["functions"] == []
    assert answer.json["files"] and answer.json["problems"]  # the outline as without public=true
    # public=false (and no value at all) is the page of functions, with no public_api.
    page = get(api, f"/snapshots/{ev.SNAPSHOT_ID}", public="false").json
    assert [f["name"] for f in page["functions"]] == ["camel", "kebab", "snake"] and page["public_api"] is None
    listed = get(api, f"/snapshots/{ev.SNAPSHOT_ID}", public="1").json["public_api"]
    assert [(s["subpath"], [e["export_name"] for e in s["exports"]]) for s in listed] == [
        (".", ["camel", "camelCase"]),
        ("./kebab", ["default"]),
    ]
    for query in ({"cursor": "x"}, {"file": "src/index.mjs"}, {"name": "camel"}):
        refused = get(api, f"/snapshots/{ev.SNAPSHOT_ID}", public="true", **query)
        assert refused.status == 422 and refused.json["error"]["field"] == "public", query
    for bad in ("maybe", "", "2"):
        refused = get(api, f"/snapshots/{ev.SNAPSHOT_ID}", public=bad)
        assert refused.status == 422 and refused.json["error"]["field"] == "public", bad
    # Another app's snapshot stays not found, public or not.
    assert get(api, f"/snapshots/{ev.SNAPSHOT_ID}", ev.OTHER_APP_TOKEN, public="true").status == 404
