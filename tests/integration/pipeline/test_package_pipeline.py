"""A repository with several npm packages through the pipeline: one snapshot per package of each commit, all
stored in one transaction; one job result and one notification listing the packages; a package gone at a
later commit is marked removed. Real Postgres, SQS and S3 in moto, git over HTTP on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from tests.support import api_events as ev
from tests.support.package_layouts import LAYOUTS

MONOREPO = {
    "package.json": json.dumps({"name": "mono", "private": True, "workspaces": ["packages/*"]}).encode(),
    "packages/core/package.json": json.dumps({"name": "@mono/core", "version": "1.0.0"}).encode(),
    "packages/core/index.js": b"export function core(a) {}\n",
    "packages/core/test/core.test.js": b"export function helper() {}\n",
    "packages/util/package.json": json.dumps({"name": "util", "version": "2.0.0"}).encode(),
    "packages/util/index.js": b"export function util(b) {}\n",
}


def test_each_package_is_its_own_snapshot_and_one_notification_lists_them(pipeline, app, receiver, http_repo):
    v1 = http_repo.commit(MONOREPO)
    registered = pipeline.register(app["token"], http_repo.url)
    assert pipeline.drain() == {"scan": 1, "persist": 1, "notify": 1}
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "done" and job["commit_sha"] == v1
    packages = {p["name"]: p for p in job["result"]["packages"]}
    assert sorted(packages) == ["@mono/core", "util"]
    assert packages["@mono/core"]["module_slug"] == "mono-core" and packages["@mono/core"]["functions"] == 1
    assert all(p["outcome"] == "stored" and p["changes"]["first_snapshot"] for p in packages.values())
    assert job["result"]["removed_packages"] == []
    # Public functions counted apart: core's one export, reached from its entry point (index.js).
    core_public = packages["@mono/core"]["changes"]["public"]
    assert core_public["count"] == 1 and core_public["added"] == [
        {"subpath": ".", "export_name": "core", "file_path": "packages/core/index.js", "name": "core"}
    ]

    rows = pipeline.rows(
        "SELECT module_slug, package_of, commit_sha FROM modules WHERE scope = %s ORDER BY module_slug",
        f"repository:{registered['id']}",
    )
    assert rows == [("mono-core", registered["module_slug"], v1), ("util", registered["module_slug"], v1)]
    (delivery,) = receiver.wait_for(1)
    assert delivery.verified, delivery.error
    listed = delivery.json["data"]["packages"]
    assert [p["module_slug"] for p in listed["stored"]] == ["mono-core", "util"] and listed["removed"] == []
    assert all(p["url"].endswith(f"/snapshots/{p['snapshot_id']}") for p in listed["stored"])

    # util leaves the repository: its snapshot is marked removed at that commit, in the same transaction.
    without_util = {p: d for p, d in MONOREPO.items() if not p.startswith("packages/util/")}
    v2 = http_repo.commit({**without_util, "packages/core/index.js": b"export function core(a, b) {}\n"})
    status, accepted = pipeline.api(
        ev.http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=ev.bearer(app["token"]))
    )
    assert status == 202
    assert pipeline.drain() == {"scan": 1, "persist": 1, "notify": 1}
    rescan = pipeline.get(app["token"], f"/jobs/{accepted['job_id']}")
    assert rescan["result"]["removed_packages"] == ["util"]
    (core,) = rescan["result"]["packages"]
    assert [c["name"] for c in core["changes"]["changed"]] == ["core"]
    second = receiver.wait_for(2)[1]
    assert second.json["data"]["packages"]["removed"] == ["util"]
    assert second.json["data"]["snapshot"]["module_slug"] == "mono-core"
    public = second.json["data"]["changes"]["public"]
    assert (public["added_count"], public["removed_count"], public["changed_count"]) == (0, 0, 1)
    assert [c["export_name"] for c in public["changed"]] == ["core"]
    rows = pipeline.rows(
        "SELECT module_slug, commit_sha, removed_from_tree_commit FROM modules WHERE scope = %s ORDER BY module_slug",
        f"repository:{registered['id']}",
    )
    assert rows == [("mono-core", v2, None), ("util", v1, v2)]
    # The API says which package a snapshot holds and that util is gone (kept, not deleted).
    util = pipeline.get(app["token"], f"/snapshots/{packages['util']['snapshot_id']}")
    assert util["package"] == "util" and util["removed_from_tree_commit"] == v2 and util["removed_from_tree_at"]


def _patch(pipeline, token: str, rid: str, body: dict) -> tuple[int, dict]:
    return pipeline.api(ev.http_event("PATCH", f"/repositories/{rid}", body=json.dumps(body), headers=ev.bearer(token)))


def test_a_registration_tracks_the_packages_it_names(pipeline, app, receiver, http_repo):
    http_repo.commit(MONOREPO)
    registered = pipeline.register(app["token"], http_repo.url, packages=["util", "util"])
    assert registered["packages"] == ["util"]
    assert pipeline.drain()["persist"] == 1
    scope = f"repository:{registered['id']}"
    assert pipeline.rows("SELECT module_slug FROM modules WHERE scope = %s", scope) == [("util",)]

    # PATCH: null tracks every package again; the next scan stores both, util never marked removed.
    status, changed = _patch(pipeline, app["token"], registered["id"], {"packages": None})
    assert status == 200 and changed["packages"] == []
    status, _ = pipeline.api(
        ev.http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=ev.bearer(app["token"]))
    )
    assert status == 202 and pipeline.drain()["persist"] == 1
    rows = pipeline.rows(
        "SELECT module_slug, removed_from_tree_at FROM modules WHERE scope = %s ORDER BY module_slug", scope
    )
    assert rows == [("mono-core", None), ("util", None)]

    # Not a list of names: a 422 naming the field (as any wrong type); a package the tree lacks fails the scan.
    status, body = _patch(pipeline, app["token"], registered["id"], {"packages": "util"})
    assert status == 422 and body["error"]["field"] == "packages", body
    status, _ = _patch(pipeline, app["token"], registered["id"], {"packages": ["nope"]})
    assert status == 200
    status, accepted = pipeline.api(
        ev.http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=ev.bearer(app["token"]))
    )
    pipeline.drain()
    failed = pipeline.get(app["token"], f"/jobs/{accepted['job_id']}")
    assert failed["status"] == "failed" and "no package named 'nope'" in failed["error"]["message"], failed


def test_a_registration_s_own_ignore_patterns_leave_files_out(pipeline, app, receiver, http_repo):
    http_repo.commit({**MONOREPO, "packages/util/legacy.js": b"export function legacy() {}\n"})
    registered = pipeline.register(app["token"], http_repo.url, ignore=["legacy.js", "legacy.js"])
    assert registered["ignore"] == ["legacy.js"]
    assert pipeline.drain()["persist"] == 1
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert {p["name"]: p["functions"] for p in job["result"]["packages"]} == {"@mono/core": 1, "util": 1}
    # PATCH null: no patterns of its own; the next scan reads legacy.js.
    status, changed = _patch(pipeline, app["token"], registered["id"], {"ignore": None})
    assert status == 200 and changed["ignore"] == []
    status, accepted = pipeline.api(
        ev.http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=ev.bearer(app["token"]))
    )
    assert status == 202 and pipeline.drain()["persist"] == 1
    rescan = pipeline.get(app["token"], f"/jobs/{accepted['job_id']}")
    assert {p["name"]: p["functions"] for p in rescan["result"]["packages"]} == {"@mono/core": 1, "util": 2}
    status, body = _patch(pipeline, app["token"], registered["id"], {"ignore": ["a\nb"]})
    assert status == 422 and body["error"]["field"] == "ignore", body


def _scan(pipeline, token: str, rid: str, ref: str | None = None) -> str:
    body = json.dumps({"ref": ref} if ref else {})
    status, accepted = pipeline.api(
        ev.http_event("POST", f"/repositories/{rid}/scans", body=body, headers=ev.bearer(token))
    )
    assert status == 202, accepted
    return accepted["job_id"]


def test_a_whole_tree_snapshot_of_before_is_superseded_once_the_tree_has_packages(pipeline, app, receiver, http_repo):
    # Stored as every snapshot was before packages: the whole tree under the registration's slug.
    v1 = http_repo.commit({"src/index.mjs": b"export function whole() {}\n"})
    registered = pipeline.register(app["token"], http_repo.url)
    pipeline.drain()
    scope, slug = f"repository:{registered['id']}", registered["module_slug"]
    assert pipeline.rows("SELECT module_slug, package_of, commit_sha FROM modules WHERE scope = %s", scope) == [
        (slug, None, v1)
    ]
    v2 = http_repo.commit(MONOREPO)
    job_id = _scan(pipeline, app["token"], registered["id"])
    pipeline.drain()
    job = pipeline.get(app["token"], f"/jobs/{job_id}")
    assert job["status"] == "done" and job["result"]["removed_packages"] == [slug], job
    rows = pipeline.rows(
        "SELECT module_slug, package_of, commit_sha, removed_from_tree_commit FROM modules WHERE scope = %s "
        "ORDER BY module_slug",
        scope,
    )
    # Kept (readable at its commit), marked as left behind at v2: it never looks current beside the packages.
    assert sorted(rows) == sorted([(slug, None, v1, v2), ("mono-core", slug, v2, None), ("util", slug, v2, None)])
    listed = {
        s["module_slug"]: s for s in pipeline.get(app["token"], f"/repositories/{registered['id']}/snapshots")["items"]
    }
    assert listed[slug]["removed_from_tree_commit"] == v2 and listed["util"]["removed_from_tree_commit"] is None


def test_package_release_tags_through_the_pipeline(pipeline, app, receiver, http_repo):
    v1 = http_repo.commit(MONOREPO)
    registered = pipeline.register(app["token"], http_repo.url)
    pipeline.drain()
    scope = f"repository:{registered['id']}"
    http_repo.tag("util@2.0.0", v1)
    http_repo.tag("@mono/core-v1.0.0", v1, annotated=True)
    http_repo.tag("v3.0.0", v1)
    for tag in ("util@2.0.0", "@mono/core-v1.0.0", "v3.0.0"):
        job_id = _scan(pipeline, app["token"], registered["id"], f"refs/tags/{tag}")
        pipeline.drain()
        assert pipeline.get(app["token"], f"/jobs/{job_id}")["status"] == "done", tag
    rows = pipeline.rows(
        "SELECT module_slug, release_tag FROM modules WHERE scope = %s AND release_tag <> 'HEAD' "
        "ORDER BY release_tag, module_slug",
        scope,
    )
    # name@version and name-vversion: that package only, under the bare version; a plain tag: every package.
    assert rows == [("mono-core", "1.0.0"), ("util", "2.0.0"), ("mono-core", "v3.0.0"), ("util", "v3.0.0")]


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_real_layouts_through_the_api_and_postgres(pipeline, app, receiver, http_repo, name):
    layout = LAYOUTS[name]
    http_repo.commit(layout.files)
    registered = pipeline.register(app["token"], http_repo.url)
    assert pipeline.drain()["persist"] == 1
    job = pipeline.get(app["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "done", job
    expected_slugs = {package: slug for package, (slug, _) in layout.expected.items()}
    assert {p["name"]: p["module_slug"] for p in job["result"]["packages"]} == expected_slugs
    listed = pipeline.get(app["token"], f"/repositories/{registered['id']}/snapshots")["items"]
    assert {s["package"]: s["module_slug"] for s in listed} == expected_slugs
    for snapshot in listed:
        detail = pipeline.get(app["token"], f"/snapshots/{snapshot['id']}")
        assert sorted(f["name"] for f in detail["functions"]) == layout.expected[snapshot["package"]][1], snapshot


def test_registering_again_states_the_packages_and_ignore_patterns(pipeline, app, receiver, http_repo):
    http_repo.commit({**MONOREPO, "packages/util/legacy.js": b"export function legacy() {}\n"})
    registered = pipeline.register(app["token"], http_repo.url)
    pipeline.drain()
    again = pipeline.register(app["token"], http_repo.url, packages=["util"], ignore=["legacy.js"])
    assert again["id"] == registered["id"] and again["packages"] == ["util"] and again["ignore"] == ["legacy.js"]
    assert pipeline.drain()["persist"] == 1
    job = pipeline.get(app["token"], f"/jobs/{again['job_id']}")
    # The scan it queued tracks util alone, without legacy.js; core is not in this scan's choice, so kept.
    assert {p["name"]: p["functions"] for p in job["result"]["packages"]} == {"util": 1}, job
    # Fields left out stay as they are.
    kept = pipeline.register(app["token"], http_repo.url)
    assert kept["packages"] == ["util"] and kept["ignore"] == ["legacy.js"]
    activity = pipeline.get(app["token"], f"/repositories/{registered['id']}/activity")["items"]
    assert any("now watching" in a["details"] and "packages util" in a["details"] for a in activity), activity
