"""The api's rules against real Postgres and moto SQS: tenant isolation, registration, scans, deletion, the URL
policy, bad input, secrets kept out of answers and logs, and failures of the queue, the store and the
activity timeline."""

from __future__ import annotations

import json
import logging

import psycopg
import pytest

from tests.integration.api.conftest import make_api, seed, settings_env
from tests.support import api_events as ev
from tests.support.api_events import bearer, http_event
from codetracker.ports.snapshot_store import SnapshotToStore


def create_app(api, name="app", **extra):
    answer = api.call(
        http_event("POST", "/apps", headers=bearer(ev.ADMIN_TOKEN), body=json.dumps({"name": name, **extra}))
    )
    assert answer.status == 201, answer.text
    return answer.json


def register(api, token, url="https://github.com/octo-org/hello-js", **body):
    return api.call(http_event("POST", "/repositories", headers=bearer(token), body=json.dumps({"url": url, **body})))


def get(api, token, path, **query):
    return api.call(http_event("GET", path, headers=bearer(token), query={k: str(v) for k, v in query.items()} or None))


def test_apps_get_a_token_and_signing_secret_shown_once_and_stored_hashed(api):
    created = create_app(api, "docs", callback_url="https://hooks.example.com/x")
    assert created["token"].startswith("ctk_") and created["signing_secret"].startswith("whsec_")
    ((token_hash, secret_blob),) = api.rows("SELECT token_sha256, signing_secret_encrypted FROM apps")
    import hashlib

    assert bytes(token_hash) == hashlib.sha256(created["token"].encode()).digest()
    assert created["signing_secret"].encode() not in bytes(secret_blob)
    from codetracker.domain.registry import App  # the notifier reads it back
    from codetracker.usecases.registry import app_signing_secret

    with api.services.unit_of_work(read_only=True) as uow:
        stored: App = uow.apps.get(created["id"])
    assert app_signing_secret(stored, cipher=api.services.cipher) == created["signing_secret"]


def test_two_apps_registering_one_url_never_see_each_other(api):
    a, b = create_app(api, "a"), create_app(api, "b")
    ra = register(api, a["token"], access_token="ghp_private_of_a").json
    rb = register(api, b["token"]).json
    assert ra["id"] != rb["id"] and ra["url"] == rb["url"]
    first, second = api.messages()
    assert first["snapshot"]["scope"] != second["snapshot"]["scope"]  # each registration owns its snapshots
    # Store a snapshot for A's registration (as the persister will) and look at it from both sides.
    from codetracker.domain.model import Descriptor, ExportedFunction, SnapshotKey, SnapshotSource

    with api.services.unit_of_work() as uow:
        snap = uow.snapshots.store_snapshot(
            SnapshotToStore(
                SnapshotKey("hello-js", "main", "HEAD", f"repository:{ra['id']}"),
                Descriptor("hello-js", (ExportedFunction("secret_of_a", "a.js", "named", False, None, None, 0),)),
                SnapshotSource("hello-js"),
            ),
        )
        uow.commit()
    job_a = get(api, a["token"], f"/repositories/{ra['id']}/jobs").json["items"][0]["id"]
    for path in (
        f"/repositories/{ra['id']}",
        f"/repositories/{ra['id']}/jobs",
        f"/repositories/{ra['id']}/snapshots",
        f"/repositories/{ra['id']}/activity",
        f"/snapshots/{snap.snapshot_id}",
        f"/jobs/{job_a}",
    ):
        assert get(api, a["token"], path).status == 200, path
        other = get(api, b["token"], path)
        assert other.status == 404 and other.json["error"]["code"] == "not_found", path
    assert get(api, b["token"], f"/repositories/{rb['id']}/snapshots").json["items"] == []
    for method, body in (("PATCH", {"branch": "dev"}), ("DELETE", None)):
        changed = api.call(
            http_event(
                method, f"/repositories/{ra['id']}", headers=bearer(b["token"]), body=json.dumps(body) if body else None
            )
        )
        assert changed.status == 404
    scan = api.call(http_event("POST", f"/repositories/{ra['id']}/scans", headers=bearer(b["token"])))
    assert scan.status == 404 and api.messages() == []
    assert [r["id"] for r in get(api, b["token"], "/repositories").json["items"]] == [rb["id"]]


def test_registering_again_answers_the_registration_and_queues_a_scan(api):
    a = create_app(api)
    first = register(api, a["token"], "https://github.com/octo-org/hello-js.git", branch="release")
    again = register(api, a["token"], "https://GITHUB.com/octo-org/hello-js/")
    assert (first.status, again.status) == (201, 200)
    assert again.json["id"] == first.json["id"] and again.json["job_id"] != first.json["job_id"]
    assert [m["ref"] for m in api.messages()] == ["refs/heads/release", "refs/heads/release"]
    jobs = get(api, a["token"], f"/repositories/{first.json['id']}/jobs", limit=1).json
    assert len(jobs["items"]) == 1 and jobs["next"]
    older = get(api, a["token"], f"/repositories/{first.json['id']}/jobs", limit=1, cursor=jobs["next"]).json
    assert older["items"][0]["id"] == first.json["job_id"] and older["next"] is None
    job = older["items"][0]
    assert (job["status"], job["trigger"], job["ref"]) == ("queued", "api", "refs/heads/release")
    assert set(job["stages"]) == {"scan", "persist", "notify"} and job["error"] is None


def test_a_registration_without_branch_follows_the_default_branch(api):
    a = create_app(api)
    created = register(api, a["token"]).json
    assert created["branch"] is None
    (message,) = api.messages()
    assert message["ref"] == "HEAD" and message["fallback_branch"] == "main"


def test_repository_list_pages(api):
    a = create_app(api)
    ids = [register(api, a["token"], f"https://github.com/octo-org/r{i}").json["id"] for i in range(5)]
    seen, cursor = [], None
    while True:
        page = get(api, a["token"], "/repositories", limit=2, **({"cursor": cursor} if cursor else {})).json
        seen += [r["id"] for r in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ids


def test_patch_changes_only_the_fields_given(api):
    a = create_app(api)
    rid = register(
        api, a["token"], branch="main", callback_url="https://hooks.example.com/a", access_token="ghp_x"
    ).json["id"]
    patch = lambda body: api.call(  # noqa: E731
        http_event("PATCH", f"/repositories/{rid}", headers=bearer(a["token"]), body=json.dumps(body))
    )
    changed = patch({"branch": "develop"}).json
    assert (changed["branch"], changed["callback_url"], changed["has_access_token"]) == (
        "develop",
        "https://hooks.example.com/a",
        True,
    )
    changed = patch({"access_token": None, "callback_url": None}).json
    assert (changed["branch"], changed["callback_url"], changed["has_access_token"]) == ("develop", None, False)
    assert patch({"url": "https://github.com/other/x"}).json["error"] == {
        "code": "unknown_field",
        "message": "url is not a field of this request",
        "field": "url",
    }
    assert patch({"branch": "bad..name"}).json["error"]["field"] == "branch"


def test_delete_stops_watching_removes_snapshots_and_token_and_keeps_history(api):
    seed(api)
    token = ev.APP_TOKEN
    deleted = api.call(http_event("DELETE", f"/repositories/{ev.REPOSITORY_ID}", headers=bearer(token)))
    assert deleted.json == {"id": ev.REPOSITORY_ID, "deleted": True, "snapshots_deleted": 1}
    assert get(api, token, f"/repositories/{ev.REPOSITORY_ID}").status == 404
    assert get(api, token, f"/snapshots/{ev.SNAPSHOT_ID}").status == 404
    assert api.rows("SELECT count(*) FROM modules") == [(0,)]
    assert api.rows("SELECT access_token_encrypted IS NULL, deleted_at IS NOT NULL FROM repositories") == [(True, True)]
    assert api.rows("SELECT action_type FROM activities ORDER BY id DESC LIMIT 1") == [("repository_deleted",)]
    assert get(api, token, f"/jobs/{ev.JOB_ID}").status == 200  # history stays readable by id
    # No webhook reaches it any more; the URL can be registered again, under a new scope.
    assert api.call(ev.github_event("push", ev.push_payload())).json["outcome"] == "ignored"
    again = register(api, token, ev.REPOSITORY_URL)
    assert again.status == 201 and again.json["id"] != ev.REPOSITORY_ID


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("https://internal.example.com/o/r", "url"),  # resolves to a private address
        ("https://rebind.example.com/o/r", "url"),  # one public and one private address: every address counts
        ("https://10.0.0.8/o/r", "url"),
        ("https://[::1]/o/r", "url"),
        ("https://100.64.1.1/o/r", "url"),
        ("https://nowhere.invalid/o/r", "url"),  # does not resolve
        ("http://github.com/o/r", "url"),
        ("file:///srv/git/r", "url"),
        ("https://user:pass@github.com/o/r", "url"),
        ("git@github.com:o/r.git", "url"),
    ],
)
def test_url_policy(api, url, field):
    a = create_app(api)
    answer = register(api, a["token"], url)
    assert answer.status == 422 and answer.json["error"]["code"] == "url_refused"
    assert answer.json["error"]["field"] == field and "pass" not in answer.json["error"]["message"]
    refused_callback = register(api, a["token"], "https://github.com/o/r", callback_url="https://169.254.169.254/x")
    assert refused_callback.json["error"]["field"] == "callback_url"
    assert api.messages() == [] and api.rows("SELECT count(*) FROM repositories") == [(0,)]


def test_the_system_resolver_is_used_for_real_names(migrated_database_url, aws):
    from codetracker.adapters.dns import SystemResolver

    local = make_api(migrated_database_url, aws)
    local.services.__dict__["resolver"] = SystemResolver()
    a = create_app(local)
    answer = register(local, a["token"], "https://localhost/o/r")  # a name that resolves to loopback
    assert answer.status == 422 and "loopback" in answer.json["error"]["message"]


def test_private_urls_are_admitted_only_when_allowed(migrated_database_url, aws):
    local = make_api(migrated_database_url, aws, env=settings_env(CODE_TRACKER_ALLOW_PRIVATE_URLS="1"))
    a = create_app(local, callback_url="http://127.0.0.1:8123/hook")
    assert register(local, a["token"], "http://127.0.0.1:8000/repo.git").status == 201
    assert register(local, a["token"], "file:///tmp/sample-package").status == 201
    assert [m["url"] for m in local.messages()] == ["http://127.0.0.1:8000/repo", "file:///tmp/sample-package"]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("{", 400, "malformed_body", "body"),
        ("[1, 2]", 422, "invalid_input", None),
        ('{"url": 5}', 422, "invalid_input", "url"),
        ("{}", 422, "invalid_input", "url"),
        ('{"url": "https://github.com/o/r", "extra": {"deep": 1}}', 422, "unknown_field", "extra"),
        ('{"url": "https://github.com/o/r", "branch": "a b"}', 422, "invalid_input", "branch"),
        ('{"url": "https://github.com/o/r", "slug": "\\u0000"}', 422, "invalid_input", "slug"),
        ('{"url": "https://github.com/o/r\\u0000"}', 422, "invalid_input", "url"),
    ],
)
def test_bad_bodies(api, body, status, code, field):
    a = create_app(api)
    answer = api.call(http_event("POST", "/repositories", headers=bearer(a["token"]), body=body))
    assert (answer.status, answer.json["error"]["code"], answer.json["error"].get("field")) == (status, code, field)


def test_multipart_and_form_bodies_are_not_json(api):
    a = create_app(api)
    for content_type in ("multipart/form-data", "application/x-www-form-urlencoded", "text/plain"):
        answer = api.call(
            http_event(
                "POST",
                "/repositories",
                headers={**bearer(a["token"]), "content-type": content_type},
                body="url=https://github.com/o/r",
            )
        )
        assert answer.status == 400 and answer.json["error"]["code"] == "malformed_body", content_type


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Basic abc", "Bearer ctk_nope", "bearer " + "x" * 5000])
def test_missing_or_wrong_tokens_are_401(api, authorization):
    headers = {"authorization": authorization} if authorization is not None else {}
    answer = api.call(http_event("GET", "/repositories", headers=headers))
    assert answer.status == 401 and answer.json["error"]["code"] == "unauthorized"
    assert answer.headers.get("WWW-Authenticate") == "Bearer"


def test_tokens_and_secrets_never_reach_a_log_line_or_an_answer(api, capsys, caplog):
    caplog.set_level(logging.DEBUG)
    created = create_app(api)
    register(api, created["token"], access_token="ghp_supersecret123")
    api.call(http_event("GET", "/repositories", headers=bearer("ctk_wrong_token_in_header")))
    api.call(http_event("POST", "/apps", headers=bearer("admin-guess-xyz"), body='{"name": "x"}'))
    logged = capsys.readouterr().out + capsys.readouterr().err + caplog.text
    for secret in (
        created["token"],
        "ghp_supersecret123",
        "ctk_wrong_token_in_header",
        "admin-guess-xyz",
        ev.ADMIN_TOKEN,
        ev.ENCRYPTION_KEY,
    ):
        assert secret not in logged
    (blob,) = api.rows("SELECT access_token_encrypted FROM repositories")
    assert b"ghp_supersecret123" not in bytes(blob[0])
    listing = get(api, created["token"], "/repositories").text
    assert "ghp_supersecret123" not in listing


def test_a_send_failing_after_the_commit_answers_with_the_queued_job_and_keeps_its_message(migrated_database_url, aws):
    from codetracker.adapters.memory_queue import MemoryScanQueue
    from codetracker.adapters.sqs import QueueUnavailable

    broken = MemoryScanQueue()
    local = make_api(migrated_database_url, aws, scan_queue=broken)
    a = create_app(local)
    broken.fail_with = QueueUnavailable("throttled")
    answer = register(local, a["token"])
    assert answer.status == 201 and answer.json["job_id"]
    assert local.rows("SELECT count(*) FROM repositories") == [(1,)]
    assert local.rows("SELECT status FROM jobs") == [("queued",)]
    # The message waits in the outbox for the scheduled relay, with the reason (never a secret).
    ((job_id, sent_at, last_error),) = local.rows("SELECT job_id, sent_at, last_error FROM outbox")
    assert str(job_id) == answer.json["job_id"] and sent_at is None
    assert last_error == "queue_unavailable: throttled"
    assert broken.bodies == []


def test_a_missing_setting_is_a_generic_500_with_the_reason_logged(migrated_database_url, aws, caplog):
    env = settings_env()
    del env["CODE_TRACKER_ENCRYPTION_KEY"]
    local = make_api(migrated_database_url, aws, env=env)
    caplog.set_level(logging.ERROR)
    answer = local.call(http_event("POST", "/apps", headers=bearer(ev.ADMIN_TOKEN), body='{"name": "x"}'))
    assert answer.status == 500 and answer.json["error"]["code"] == "internal_error"
    assert "ENCRYPTION_KEY" not in answer.text and "misconfigured" in caplog.text


def test_health_is_503_without_details_when_the_database_is_away(aws):
    local = make_api("postgresql://codetracker:pw-not-shown@127.0.0.1:9/nothing?connect_timeout=1", aws)
    answer = local.call(http_event("GET", "/health"))
    assert answer.status == 503 and answer.json["error"]["code"] == "store_unavailable"
    assert "127.0.0.1" not in answer.text and "pw-not-shown" not in answer.text
    assert local.call(http_event("GET", "/repositories", headers=bearer("ctk_x"))).status == 503


def test_recording_an_activity_never_fails_the_operation(api, migrated_database_url):
    """The activity insert fails inside Postgres (a trigger raises): registration, scans, webhooks and
    deletion go on; the failures are counted."""
    with psycopg.connect(migrated_database_url, autocommit=True) as conn:
        conn.execute(
            "CREATE FUNCTION refuse_activity() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'activities are broken'; END $$"
        )
        conn.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON activities FOR EACH ROW EXECUTE FUNCTION refuse_activity()"
        )
    counted = []
    api.services.__dict__["metrics"] = type(
        "Counting", (), {"count": lambda self, name, value=1: counted.append(name)}
    )()
    a = create_app(api)
    created = register(api, a["token"], "https://github.com/octo-org/hello-js", branch="main")
    assert created.status == 201
    rid = created.json["id"]
    assert api.call(http_event("POST", f"/repositories/{rid}/scans", headers=bearer(a["token"]))).status == 202
    push = api.call(ev.github_event("push", ev.push_payload("refs/tags/v9.0.0", before="0" * 40)))
    assert push.status == 202 and len(push.json["job_ids"]) == 1
    assert api.call(http_event("DELETE", f"/repositories/{rid}", headers=bearer(a["token"]))).status == 200
    assert api.rows("SELECT count(*) FROM jobs") == [(3,)] and api.rows("SELECT count(*) FROM activities") == [(0,)]
    assert len(api.messages()) == 3
    assert counted.count("ActivityRecordFailures") == 5  # registered, 3 scans requested, deleted


def test_activity_timeline_newest_first(api):
    a = create_app(api)
    rid = register(api, a["token"], branch="main").json["id"]
    api.call(http_event("POST", f"/repositories/{rid}/scans", headers=bearer(a["token"]), body='{"ref": "v1.0.0"}'))
    page = get(api, a["token"], f"/repositories/{rid}/activity", limit=2).json
    assert [x["action_type"] for x in page["items"]] == ["scan_requested", "scan_requested"]
    rest = get(api, a["token"], f"/repositories/{rid}/activity", cursor=page["next"]).json
    assert [x["action_type"] for x in rest["items"]] == ["repository_registered"] and rest["next"] is None


def test_snapshot_functions_page_through_the_descriptor_format(api):
    seed(api)
    first = get(api, ev.APP_TOKEN, f"/snapshots/{ev.SNAPSHOT_ID}", limit=2).json
    rest = get(api, ev.APP_TOKEN, f"/snapshots/{ev.SNAPSHOT_ID}", limit=2, cursor=first["next"]).json
    assert [f["name"] for f in first["functions"] + rest["functions"]] == ["camel", "kebab", "snake"]
    assert rest["next"] is None and first["functions_count"] == 3
    assert set(first["functions"][0]) == {
        "name",
        "file_path",
        "export_type",
        "is_async",
        "description",
        "jsdoc_raw",
        "order_in_file",
        "parameters",
        "return_values",
        "type_parameters",
        "overload",
        "params_from_doc",
    }
    listing = get(api, ev.APP_TOKEN, f"/repositories/{ev.REPOSITORY_ID}/snapshots").json
    assert listing["items"][0]["id"] == ev.SNAPSHOT_ID and listing["items"][0]["commit_sha"] == ev.PREVIOUS_COMMIT
    for bad in ("abc", "0", "-1", "99999999999999999999999"):
        assert get(api, ev.APP_TOKEN, f"/snapshots/{bad}").status == 404


def test_binary_bodies_are_malformed_not_internal_errors(api):
    # API Gateway base64-encodes a body it does not take for text; bytes that are not UTF-8 are no JSON.
    import base64

    a = create_app(api)
    event = http_event(
        "POST", "/repositories", headers={**bearer(a["token"]), "content-type": "application/octet-stream"}
    )
    event.update(body=base64.b64encode(b"\xff\xfe\x00binary").decode(), isBase64Encoded=True)
    answer = api.call(event)
    assert answer.status == 400 and answer.json["error"]["code"] == "malformed_body"
