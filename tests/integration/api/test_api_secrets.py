"""Per-registration webhook secrets and the rotation of tokens and secrets, through the api handler against real
Postgres and moto SQS: a registration's own webhook URL takes deliveries signed with its secret only and they
affect it alone (a delivery signed with app A's secret sent to app B's URL changes nothing of B); rotating a
token or a secret makes the old one invalid at once or after the grace asked for; another app gets 404."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import bearer, github_event, http_event

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOOK_BASE = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/github/"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(api) -> Clock:
    ticking = Clock(T0)
    api.services.clock = ticking
    return ticking


def register(api, token: str, url: str = ev.REPOSITORY_URL, **fields):
    answer = api.call(
        http_event("POST", "/repositories", headers=bearer(token), body=json.dumps({"url": url, **fields}))
    )
    assert answer.status in (200, 201), answer.text
    return answer


def hook_event(registration_id: str, secret: str, event: str, payload: dict, delivery: str = "hook-1") -> dict:
    return github_event(event, payload, secret=secret, delivery=delivery, path=f"/webhooks/github/{registration_id}")


def rotate(api, path: str, token: str, grace: int | None = None, raw_body: str | None = None):
    body = raw_body if raw_body is not None else (json.dumps({"grace_seconds": grace}) if grace is not None else None)
    return api.call(http_event("POST", path, headers=bearer(token), body=body))


def state_of(api, registration_id: str) -> dict:
    """Everything a delivery could change of one registration."""
    return {
        "row": api.rows("SELECT status, last_error, updated_at FROM repositories WHERE id = %s", registration_id),
        "jobs": api.rows("SELECT id, status FROM jobs WHERE repository_id = %s ORDER BY id", registration_id),
        "activity": api.rows("SELECT id FROM activities WHERE repository_id = %s ORDER BY id", registration_id),
    }


# --- a webhook URL and secret per registration ----------------------------------------------------------------


def test_a_registration_gets_its_own_webhook_url_and_secret_once(api):
    seed(api)
    created = register(api, ev.APP_TOKEN, ev.NEW_REPOSITORY_URL)
    assert created.status == 201
    hook = created.json["webhook"]
    assert hook["url"] == HOOK_BASE + created.json["id"]
    assert hook["secret"].startswith("ctwh_") and len(hook["secret"]) > 40
    ((stored,),) = api.rows("SELECT webhook_secret_encrypted FROM repositories WHERE id = %s", created.json["id"])
    assert hook["secret"].encode() not in bytes(stored)
    # Shown once: registering again (a scan request) shows the URL, not the secret; reads never show it.
    again = register(api, ev.APP_TOKEN, ev.NEW_REPOSITORY_URL)
    assert again.status == 200 and again.json["webhook"] == {"url": hook["url"], "secret": None}
    read = api.call(http_event("GET", f"/repositories/{created.json['id']}", headers=bearer(ev.APP_TOKEN)))
    assert hook["secret"] not in read.text and "webhook" not in read.json


def test_the_public_api_url_names_the_webhook_url_when_set(migrated_database_url, aws):
    from tests.integration.api.conftest import make_api, settings_env

    local = make_api(migrated_database_url, aws, env=settings_env(CODE_TRACKER_PUBLIC_API_URL="https://ct.example/"))
    try:
        seed(local)
        created = register(local, ev.APP_TOKEN, ev.NEW_REPOSITORY_URL)
        assert created.json["webhook"]["url"] == f"https://ct.example/webhooks/github/{created.json['id']}"
    finally:
        local.services.close()


def test_a_delivery_to_a_registration_url_affects_that_registration_alone(api):
    seed(api)
    other = register(api, ev.OTHER_APP_TOKEN, ev.REPOSITORY_URL, branch="main").json  # B watches the same repo
    api.rows("UPDATE jobs SET status = 'done'")  # B's first scan is over: a push is a new scan
    api.messages()
    before_b = state_of(api, other["id"])
    answer = api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", ev.push_payload()))
    assert answer.status == 202 and answer.json["outcome"] == "queued" and len(answer.json["job_ids"]) == 1
    assert [m["repository_id"] for m in api.messages()] == [ev.REPOSITORY_ID]
    assert state_of(api, other["id"]) == before_b
    assert api.rows("SELECT hook, outcome FROM webhook_deliveries") == [(f"repository:{ev.REPOSITORY_ID}", "queued")]
    # The same delivery id at another hook is another delivery (claims are per hook): B's own delivery works.
    b_answer = api.call(hook_event(other["id"], other["webhook"]["secret"], "push", ev.push_payload()))
    assert b_answer.status == 202 and b_answer.json["outcome"] == "queued"
    # A redelivery to the same hook is a duplicate.
    again = api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", ev.push_payload()))
    assert again.status == 200 and again.json["outcome"] == "duplicate"


def test_a_delivery_forged_with_app_a_secret_to_app_b_url_changes_nothing_of_b(api):
    """The review's attack: app A knows its own hook secret and targets B's registration of the same repo."""
    seed(api)
    b = register(api, ev.OTHER_APP_TOKEN, ev.REPOSITORY_URL).json
    api.messages()
    before_b, before_a = state_of(api, b["id"]), state_of(api, ev.REPOSITORY_ID)
    for event, payload in [
        ("release", ev.release_payload("v9.9.9-does-not-exist")),
        ("push", ev.push_payload()),
        ("ping", ev.ping_payload()),
    ]:
        forged = api.call(
            hook_event(b["id"], ev.REGISTRATION_WEBHOOK_SECRET, event, payload, delivery=f"forged-{event}")
        )
        assert forged.status == 401 and forged.json["error"]["code"] == "unauthorized"
    # Nor with the deployment's secret, nor unsigned.
    assert api.call(hook_event(b["id"], ev.WEBHOOK_SECRET, "push", ev.push_payload())).status == 401
    assert (
        api.call(github_event("push", ev.push_payload(), signature="", path=f"/webhooks/github/{b['id']}")).status
        == 401
    )
    assert state_of(api, b["id"]) == before_b and state_of(api, ev.REPOSITORY_ID) == before_a
    assert api.messages() == [] and api.rows("SELECT count(*) FROM webhook_deliveries") == [(0,)]


def test_unknown_deleted_and_secretless_registrations_refuse_every_delivery(api):
    seed(api)
    payload = ev.push_payload()
    for registration_id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid", ev.JOB_ID]:
        assert api.call(hook_event(registration_id, ev.REGISTRATION_WEBHOOK_SECRET, "push", payload)).status == 401
    # A registration made before there were per-registration secrets has none: nothing can sign for it.
    api.rows("UPDATE repositories SET webhook_secret_encrypted = NULL")
    assert api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", payload)).status == 401
    assert (
        api.call(github_event("push", payload, signature="", path=f"/webhooks/github/{ev.REPOSITORY_ID}")).status == 401
    )
    assert api.messages() == []


def test_a_deleted_registration_refuses_deliveries_and_drops_its_secrets(api):
    seed(api)
    rotate(api, f"/repositories/{ev.REPOSITORY_ID}/webhook-secret", ev.APP_TOKEN, grace=600)
    assert (
        api.call(http_event("DELETE", f"/repositories/{ev.REPOSITORY_ID}", headers=bearer(ev.APP_TOKEN))).status == 200
    )
    payload = ev.push_payload()
    assert api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", payload)).status == 401
    stored = api.rows(
        "SELECT webhook_secret_encrypted, previous_webhook_secret_encrypted FROM repositories WHERE id = %s",
        ev.REPOSITORY_ID,
    )
    assert stored == [(None, None)] and api.messages() == []


def test_a_delivery_about_another_repository_is_ignored(api):
    seed(api)
    elsewhere = ev.push_payload(url="https://github.com/someone/else")
    answer = api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", elsewhere))
    assert answer.status == 202 and answer.json["outcome"] == "ignored" and answer.json["job_ids"] == []
    assert api.messages() == []


def test_a_form_encoded_delivery_to_a_registration_url_is_read(api):
    seed(api)
    api.rows("UPDATE jobs SET status = 'done'")
    event = hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "push", ev.push_payload())
    body = urlencode({"payload": event["body"]})
    event = dict(
        event,
        body=body,
        headers={
            **event["headers"],
            "content-type": "application/x-www-form-urlencoded",
            "x-hub-signature-256": "sha256="
            + hmac.new(ev.REGISTRATION_WEBHOOK_SECRET.encode(), body.encode(), hashlib.sha256).hexdigest(),
        },
    )
    answer = api.call(event)
    assert answer.status == 202 and answer.json["outcome"] == "queued"


# --- rotating a webhook secret ----------------------------------------------------------------------------------


def test_rotating_the_webhook_secret_keeps_the_old_one_for_the_grace_only(api, clock):
    seed(api)
    path = f"/repositories/{ev.REPOSITORY_ID}/webhook-secret"
    rotated = rotate(api, path, ev.APP_TOKEN, grace=600)
    assert rotated.status == 200
    new = rotated.json["webhook"]["secret"]
    assert rotated.json["webhook"]["url"] == HOOK_BASE + ev.REPOSITORY_ID and new.startswith("ctwh_")
    assert rotated.json["previous_valid_until"] == (T0 + timedelta(seconds=600)).isoformat().replace("+00:00", "Z")
    ping = ev.ping_payload()
    assert api.call(hook_event(ev.REPOSITORY_ID, new, "ping", ping, delivery="n-1")).status == 200
    assert (
        api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "ping", ping, delivery="o-1")).status
        == 200
    )
    clock.now = T0 + timedelta(seconds=601)
    assert (
        api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "ping", ping, delivery="o-2")).status
        == 401
    )
    assert api.call(hook_event(ev.REPOSITORY_ID, new, "ping", ping, delivery="n-2")).status == 200
    # grace 0: the old one stops at once.
    newest = rotate(api, path, ev.APP_TOKEN, grace=0).json
    assert newest["previous_valid_until"] is None
    assert api.call(hook_event(ev.REPOSITORY_ID, new, "ping", ping, delivery="n-3")).status == 401
    assert (
        api.call(hook_event(ev.REPOSITORY_ID, newest["webhook"]["secret"], "ping", ping, delivery="x-1")).status == 200
    )


def test_the_webhook_secret_default_grace_is_a_day_and_a_secretless_registration_gets_its_first(api, clock):
    seed(api)
    path = f"/repositories/{ev.REPOSITORY_ID}/webhook-secret"
    assert rotate(api, path, ev.APP_TOKEN).json["previous_valid_until"].startswith("2026-11-03T09:00:00")
    api.rows("UPDATE repositories SET webhook_secret_encrypted = NULL, previous_webhook_secret_encrypted = NULL")
    first = rotate(api, path, ev.APP_TOKEN)
    assert first.status == 200 and first.json["previous_valid_until"] is None
    ping = ev.ping_payload()
    assert api.call(hook_event(ev.REPOSITORY_ID, first.json["webhook"]["secret"], "ping", ping)).status == 200


def test_only_the_owning_app_rotates_a_webhook_secret(api):
    seed(api)
    path = f"/repositories/{ev.REPOSITORY_ID}/webhook-secret"
    assert rotate(api, path, ev.OTHER_APP_TOKEN).status == 404
    assert rotate(api, path, ev.ADMIN_TOKEN).status == 401
    assert api.call(http_event("POST", path)).status == 401
    # Unchanged: the old secret still works.
    assert (
        api.call(hook_event(ev.REPOSITORY_ID, ev.REGISTRATION_WEBHOOK_SECRET, "ping", ev.ping_payload())).status == 200
    )


# --- rotating an app's token ----------------------------------------------------------------------------------


def list_as(api, token: str) -> int:
    return api.call(http_event("GET", "/repositories", headers=bearer(token))).status


def test_a_rotated_token_is_invalid_at_once_by_default(api):
    seed(api)
    rotated = rotate(api, f"/apps/{ev.APP_ID}/token", ev.APP_TOKEN)
    assert rotated.status == 200 and rotated.json["previous_valid_until"] is None
    new = rotated.json["token"]
    assert new.startswith("ctk_") and new != ev.APP_TOKEN
    assert list_as(api, ev.APP_TOKEN) == 401 and list_as(api, new) == 200
    ((stored,),) = api.rows("SELECT token_sha256 FROM apps WHERE id = %s", ev.APP_ID)
    assert new.encode() not in bytes(stored)
    assert list_as(api, ev.OTHER_APP_TOKEN) == 200  # the other app is untouched


def test_a_token_grace_keeps_the_old_token_until_it_ends(api, clock):
    seed(api)
    new = rotate(api, f"/apps/{ev.APP_ID}/token", ev.APP_TOKEN, grace=60).json["token"]
    assert list_as(api, ev.APP_TOKEN) == 200 and list_as(api, new) == 200
    # A token in its grace cannot rotate (a leaked old token must not lock the owner out).
    assert rotate(api, f"/apps/{ev.APP_ID}/token", ev.APP_TOKEN).status == 401
    clock.now = T0 + timedelta(seconds=59)
    assert list_as(api, ev.APP_TOKEN) == 200
    clock.now = T0 + timedelta(seconds=60)
    answer = api.call(http_event("GET", "/repositories", headers=bearer(ev.APP_TOKEN)))
    assert answer.status == 401 and answer.json["error"]["code"] == "unauthorized"
    assert list_as(api, new) == 200


def test_who_may_rotate_a_token(api):
    seed(api)
    path = f"/apps/{ev.APP_ID}/token"
    assert rotate(api, path, ev.OTHER_APP_TOKEN).status == 404  # another app: as if there were no such app
    assert rotate(api, path, "ctk_wrong").status == 401
    assert rotate(api, path, "not-the-admin-token").status == 401
    assert api.call(http_event("POST", path)).status == 401
    assert list_as(api, ev.APP_TOKEN) == 200  # nothing changed
    # The admin token: the way back for an app that lost its token.
    by_admin = rotate(api, path, ev.ADMIN_TOKEN)
    assert by_admin.status == 200 and list_as(api, by_admin.json["token"]) == 200 and list_as(api, ev.APP_TOKEN) == 401
    assert rotate(api, "/apps/00000000-0000-4000-8000-000000000000/token", ev.ADMIN_TOKEN).status == 404
    assert rotate(api, "/apps/nope/token", ev.ADMIN_TOKEN).status == 404


# Only a JSON integer, as the document says: no string, float or boolean coerced into one (schemathesis found "1").
@pytest.mark.parametrize(
    "body",
    [
        '{"grace_seconds": -1}',
        '{"grace_seconds": 604801}',
        '{"grace_seconds": "1h"}',
        '{"grace_seconds": "1"}',
        '{"grace_seconds": 1.5}',
        '{"grace_seconds": true}',
    ],
)
def test_a_bad_grace_is_a_422_naming_it(api, body):
    seed(api)
    answer = rotate(api, f"/apps/{ev.APP_ID}/token", ev.APP_TOKEN, raw_body=body)
    assert answer.status == 422 and answer.json["error"]["field"] == "grace_seconds"
    unknown = rotate(api, f"/apps/{ev.APP_ID}/signing-secret", ev.APP_TOKEN, raw_body='{"grace": 5}')
    assert unknown.status == 422 and unknown.json["error"]["field"] == "grace"
    assert list_as(api, ev.APP_TOKEN) == 200


# --- rotating an app's signing secret ----------------------------------------------------------------------------


def test_a_rotated_signing_secret_keeps_the_old_one_for_a_day_by_default(api, clock):
    from codetracker.usecases.registry import app_signing_secrets

    seed(api)
    rotated = rotate(api, f"/apps/{ev.APP_ID}/signing-secret", ev.APP_TOKEN)
    assert rotated.status == 200
    new = rotated.json["signing_secret"]
    assert new.startswith("whsec_") and rotated.json["previous_valid_until"].startswith("2026-11-03T09:00:00")
    with api.services.unit_of_work(read_only=True) as uow:
        app = uow.apps.get(ev.APP_ID)
        other = uow.apps.get(ev.OTHER_APP_ID)
    cipher = api.services.cipher
    assert app_signing_secrets(app, cipher=cipher, now=T0) == (new, "whsec_" + "A" * 32)
    assert app_signing_secrets(app, cipher=cipher, now=T0 + timedelta(days=1)) == (new,)
    assert app_signing_secrets(other, cipher=cipher, now=T0) == ("whsec_" + "B" * 32,)
    assert rotate(api, f"/apps/{ev.APP_ID}/signing-secret", ev.OTHER_APP_TOKEN).status == 404
    ((blob,),) = api.rows("SELECT signing_secret_encrypted FROM apps WHERE id = %s", ev.APP_ID)
    assert new.encode() not in bytes(blob)


def test_secrets_never_reach_the_log(api, clock, caplog):
    caplog.set_level(logging.DEBUG)
    seed(api)
    secrets = [
        rotate(api, f"/apps/{ev.APP_ID}/signing-secret", ev.APP_TOKEN).json["signing_secret"],
        rotate(api, f"/repositories/{ev.REPOSITORY_ID}/webhook-secret", ev.APP_TOKEN).json["webhook"]["secret"],
        register(api, ev.APP_TOKEN, ev.NEW_REPOSITORY_URL).json["webhook"]["secret"],
        rotate(api, f"/apps/{ev.APP_ID}/token", ev.APP_TOKEN).json["token"],
    ]
    api.call(hook_event(ev.REPOSITORY_ID, "wrong", "push", ev.push_payload()))
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert not [s for s in [*secrets, ev.REGISTRATION_WEBHOOK_SECRET] if s in logged]
