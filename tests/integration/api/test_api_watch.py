"""Watching branches and tags through the api handler, against real Postgres and moto SQS: patterns given at
registration, changed by PATCH and by registering again (never ignored), refused with a 422 naming the field;
webhook pushes and tags followed by them, an unwatched one recorded as ignored with the reason; a deleted
branch or tag marks its snapshot removed from the remote, keeping it."""

from __future__ import annotations

import json

from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import bearer, github_event, http_event
from codetracker.ports.snapshot_store import SnapshotToStore


def call(api, method, path, body=None, token=ev.APP_TOKEN):
    return api.call(http_event(method, path, headers=bearer(token), body=None if body is None else json.dumps(body)))


def deliver(api, event, payload, delivery):
    return api.call(github_event(event, payload, delivery=delivery))


def last_activity(api, repository_id=ev.REPOSITORY_ID):
    return api.rows(
        "SELECT action_type, status, details FROM activities WHERE repository_id = %s ORDER BY id DESC LIMIT 1",
        repository_id,
    )[0]


def test_a_registration_states_its_patterns_and_gets_the_defaults_without(api):
    seed(api)
    plain = call(api, "POST", "/repositories", {"url": ev.NEW_REPOSITORY_URL})
    assert plain.status == 201 and (plain.json["branches"], plain.json["tags"]) == ([], [":semver"])
    other = call(
        api,
        "POST",
        "/repositories",
        {"url": "https://github.com/octo-org/other", "branches": ["main", "release/*", "main"], "tags": ["v*", "*@*"]},
    )
    assert other.status == 201
    assert (other.json["branches"], other.json["tags"]) == (["main", "release/*"], ["v*", "*@*"])  # deduplicated
    (registered,) = api.rows(
        "SELECT details FROM activities WHERE repository_id = %s AND action_type = 'repository_registered'",
        other.json["id"],
    )
    assert registered[0].endswith("watching branches (the default branch), main, release/* and tags v*, *@*")
    assert call(api, "GET", f"/repositories/{other.json['id']}").json["tags"] == ["v*", "*@*"]


def test_bad_patterns_are_refused_naming_the_field(api):
    seed(api)
    for body, field in (
        ({"branches": ["release/[0-9]*"]}, "branches"),
        ({"branches": "main"}, "branches"),
        ({"tags": ["refs/tags/v*"]}, "tags"),
        ({"tags": ["ok", ""]}, "tags"),
        ({"branches": [":semver"]}, "branches"),
        ({"tags": ["v*"] * 51}, "tags"),
    ):
        answer = call(api, "POST", "/repositories", {"url": ev.NEW_REPOSITORY_URL, **body})
        assert answer.status == 422 and answer.json["error"]["field"] == field, (body, answer.json)
        patched = call(api, "PATCH", f"/repositories/{ev.REPOSITORY_ID}", body)
        assert patched.status == 422 and patched.json["error"]["field"] == field, (body, patched.json)
    assert api.rows("SELECT count(*) FROM repositories") == [(1,)]


def test_patch_changes_the_patterns_and_null_restores_the_defaults(api):
    seed(api)
    path = f"/repositories/{ev.REPOSITORY_ID}"
    changed = call(api, "PATCH", path, {"branches": ["release/**"], "tags": []})
    assert changed.status == 200 and (changed.json["branches"], changed.json["tags"]) == (["release/**"], [])
    assert call(api, "PATCH", path, {"callback_url": None}).json["branches"] == ["release/**"]  # untouched
    back = call(api, "PATCH", path, {"branches": None, "tags": None})
    assert (back.json["branches"], back.json["tags"], back.json["branch"]) == ([], [":semver"], "main")


def test_registering_again_with_another_watch_updates_it_and_says_so(api):
    seed(api)
    again = call(api, "POST", "/repositories", {"url": ev.REPOSITORY_URL, "branch": "develop", "tags": ["v*"]})
    assert again.status == 200 and again.json["id"] == ev.REPOSITORY_ID
    assert (again.json["branch"], again.json["branches"], again.json["tags"]) == ("develop", [], ["v*"])
    rows = api.rows(
        "SELECT action_type, details FROM activities WHERE repository_id = %s ORDER BY id DESC LIMIT 2",
        ev.REPOSITORY_ID,
    )
    assert rows[1][0] == "repository_registered"
    assert rows[1][1] == (
        "registered again: was watching branches main and tags :semver; now watching branches develop and tags v*"
    )
    assert call(api, "GET", f"/repositories/{ev.REPOSITORY_ID}").json["branch"] == "develop"
    # What it leaves out stays; the same watch again changes nothing (a scan is still queued).
    same = call(api, "POST", "/repositories", {"url": ev.REPOSITORY_URL})
    assert same.status == 200 and (same.json["branch"], same.json["tags"]) == ("develop", ["v*"])
    assert api.rows("SELECT count(*) FROM activities WHERE details LIKE 'registered again%%'") == [(1,)]
    # Another slug is not a watch: 409 naming it, nothing changed.
    slug = call(api, "POST", "/repositories", {"url": ev.REPOSITORY_URL, "slug": "renamed", "tags": ["x*"]})
    assert slug.status == 409 and slug.json["error"]["field"] == "slug"
    assert call(api, "GET", f"/repositories/{ev.REPOSITORY_ID}").json["tags"] == ["v*"]
    assert call(api, "POST", "/repositories", {"url": ev.REPOSITORY_URL, "slug": "hello-js"}).status == 200


def test_pushes_and_tags_follow_the_patterns_and_the_unwatched_are_recorded(api):
    seed(api)
    call(api, "PATCH", f"/repositories/{ev.REPOSITORY_ID}", {"branches": ["release/*"], "tags": ["v*", "*@*"]})
    api.messages()
    release = deliver(api, "push", ev.push_payload("refs/heads/release/2.x"), "w-1")
    assert release.json["outcome"] == "queued"
    (message,) = api.messages()
    assert message["ref"] == "refs/heads/release/2.x" and message["fallback_branch"] == "main"

    feature = deliver(api, "push", ev.push_payload("refs/heads/release/2.x/fix"), "w-2")
    assert feature.status == 202 and feature.json["outcome"] == "ignored" and api.messages() == []
    assert last_activity(api) == (
        "webhook_received",
        "ignored",
        "push w-2: branch release/2.x/fix is not watched (watching branches main, release/*); nothing queued",
    )
    assert len(deliver(api, "create", ev.create_payload("core@2.1.0"), "w-3").json["job_ids"]) == 1
    nightly = deliver(api, "push", ev.push_payload("refs/tags/nightly", before="0" * 40), "w-4")
    assert nightly.json["outcome"] == "ignored"
    assert last_activity(api)[1:] == (
        "ignored",
        "push w-4: tag nightly is not watched (watching tags v*, *@*); nothing queued",
    )
    assert [m["ref"] for m in api.messages()] == ["refs/tags/core@2.1.0"]


def test_a_deleted_branch_or_tag_marks_its_snapshot_removed_and_keeps_it(api):
    seed(api)
    from codetracker.domain.model import Descriptor, SnapshotKey, SnapshotSource
    from codetracker.domain.registry import registration_scope

    with api.services.unit_of_work() as uow:
        uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("hello-js", "main", "v1.0.0", registration_scope(ev.REPOSITORY_ID)),
                Descriptor("hello-js", ()),
                SnapshotSource("hello-js"),
            ),
        )
        uow.commit()
    snapshots = f"/repositories/{ev.REPOSITORY_ID}/snapshots"
    assert {s["removed_from_remote_at"] for s in call(api, "GET", snapshots).json["items"]} == {None}

    tag = deliver(api, "delete", ev.delete_payload("v1.0.0", "tag"), "r-1")
    assert tag.status == 202 and tag.json["job_ids"] == []
    assert last_activity(api)[1:] == (
        "ok",
        "delete r-1: tag v1.0.0 was deleted on the remote; 1 snapshot(s) marked removed, history kept",
    )
    items = {s["release_tag"]: s for s in call(api, "GET", snapshots).json["items"]}
    assert items["v1.0.0"]["removed_from_remote_at"] is not None and items["HEAD"]["removed_from_remote_at"] is None
    one = call(api, "GET", f"/snapshots/{items['v1.0.0']['id']}")
    assert one.status == 200 and one.json["removed_from_remote_at"] == items["v1.0.0"]["removed_from_remote_at"]

    branch = deliver(api, "push", ev.push_payload("refs/heads/main", deleted=True), "r-2")
    assert branch.json["job_ids"] == [] and api.messages() == []
    assert all(s["removed_from_remote_at"] for s in call(api, "GET", snapshots).json["items"])
    # A ref never stored: recorded, nothing marked.
    deliver(api, "delete", ev.delete_payload("feature/x"), "r-3")
    assert last_activity(api)[1:] == (
        "ignored",
        "delete r-3: branch feature/x was deleted on the remote; no snapshot of it is stored",
    )
    assert api.rows("SELECT count(*) FROM modules") == [(2,)]  # history kept
