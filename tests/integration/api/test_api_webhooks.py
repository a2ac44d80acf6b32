"""POST /webhooks/github against real Postgres and moto SQS, with GitHub's payload shapes: the signature over
the raw bytes, fan-out to the registrations watching the branch, tags, deletions, deduplication on
X-GitHub-Delivery (also across a crash between the send and the commit, and between concurrent deliveries)."""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

import pytest

from tests.integration.api.conftest import make_api, seed, settings_env
from tests.support import api_events as ev
from tests.support.api_events import bearer, github_event, http_event


def deliver(api, event, payload, **kwargs):
    return api.call(github_event(event, payload, **kwargs))


def test_a_push_to_the_watched_branch_scans_every_registration_watching_it(api):
    seed(api)
    # Another app registered the same repository, watching the same branch; a third watches another branch.
    other = api.call(
        http_event(
            "POST",
            "/repositories",
            headers=bearer(ev.OTHER_APP_TOKEN),
            body=json.dumps(
                {
                    "url": "git@github.com:octo-org/hello-js.git".replace("git@github.com:", "https://github.com/"),
                    "branch": "main",
                }
            ),
        )
    )
    assert other.status == 201
    api.messages()
    # Its first scan is queued: a push now would be coalesced into it (the scanner fetches the tip when it
    # starts). Once the scanner has picked it up, a push is a new scan.
    coalesced = deliver(api, "push", ev.push_payload(), delivery="early")
    assert len(coalesced.json["job_ids"]) == 1
    api.rows("UPDATE jobs SET status = 'scanning' WHERE status = 'queued' RETURNING id")
    api.messages()
    answer = deliver(api, "push", ev.push_payload())
    assert answer.status == 202 and answer.json["outcome"] == "queued" and len(answer.json["job_ids"]) == 2
    messages = api.messages()
    assert {m["repository_id"] for m in messages} == {ev.REPOSITORY_ID, other.json["id"]}
    assert {(m["ref"], m["trigger"]) for m in messages} == {("refs/heads/main", "webhook")}
    jobs = api.rows("SELECT trigger, status, ref FROM jobs WHERE id = ANY(%s::uuid[])", answer.json["job_ids"])
    assert sorted(jobs) == [("webhook", "queued", "refs/heads/main")] * 2
    assert api.rows("SELECT outcome FROM webhook_deliveries") == [("queued",), ("queued",)]
    activity = api.rows(
        "SELECT action_type, status FROM activities WHERE repository_id = %s ORDER BY id DESC LIMIT 1", ev.REPOSITORY_ID
    )
    assert activity == [("webhook_received", "ok")]


def test_a_push_to_another_branch_or_repository_queues_nothing(api):
    seed(api)
    assert deliver(api, "push", ev.push_payload("refs/heads/feature"), delivery="d-1").json["job_ids"] == []
    unknown = deliver(api, "push", ev.push_payload(url="https://github.com/someone/else"), delivery="d-2").json
    assert unknown["outcome"] == "ignored" and api.messages() == []


def test_the_signature_is_checked_over_the_raw_bytes(api):
    seed(api)
    event = github_event("push", ev.push_payload())
    # Same JSON, different bytes: re-serialised, the signature no longer matches.
    tampered = dict(event, body=json.dumps(json.loads(event["body"])))
    assert api.call(tampered).status == 401
    wrong_secret = github_event("push", ev.push_payload(), secret="not-the-secret")
    assert api.call(wrong_secret).json["error"]["code"] == "unauthorized"
    assert api.messages() == [] and api.rows("SELECT count(*) FROM webhook_deliveries") == [(0,)]
    assert api.rows("SELECT count(*) FROM jobs") == [(1,)]  # the seeded one
    # Base64 bodies (binary-safe API Gateway payloads) are verified over the decoded bytes.
    assert api.call(github_event("push", ev.push_payload(), base64_body=True)).status == 202


def test_a_form_encoded_delivery_is_verified_and_read(api):
    seed(api)
    raw = urlencode({"payload": json.dumps(ev.push_payload())}).encode()
    import hashlib
    import hmac

    signature = "sha256=" + hmac.new(ev.WEBHOOK_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    event = http_event(
        "POST",
        "/webhooks/github",
        body=raw.decode(),
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "x-github-event": "push",
            "x-github-delivery": "form-1",
            "x-hub-signature-256": signature,
        },
    )
    assert api.call(event).json["outcome"] == "queued"


def test_a_redelivery_queues_nothing_new(api):
    seed(api)
    first = deliver(api, "push", ev.push_payload(), delivery="same-id")
    again = deliver(api, "push", ev.push_payload(), delivery="same-id")
    assert (first.status, again.status) == (202, 200) and again.json["outcome"] == "duplicate"
    assert len(api.messages()) == 1
    assert api.rows("SELECT count(*) FROM jobs WHERE trigger = 'webhook'") == [(1,)]


def test_a_push_of_the_commit_already_scanned_queues_nothing(api):
    seed(api)  # the snapshot of main is at PREVIOUS_COMMIT
    answer = deliver(api, "push", ev.push_payload(after=ev.PREVIOUS_COMMIT.upper()))
    assert answer.json == {"outcome": "ignored", "job_ids": [], "detail": None}
    assert api.messages() == []
    (details,) = api.rows("SELECT details FROM activities ORDER BY id DESC LIMIT 1")[0]
    assert "already scanned" in details


def test_tags_create_and_release_scan_the_tag_once(api):
    seed(api)
    push = deliver(api, "push", ev.push_payload("refs/tags/v1.3.0", before="0" * 40), delivery="t-1")
    create = deliver(api, "create", ev.create_payload("v1.3.0"), delivery="t-2")
    release = deliver(api, "release", ev.release_payload("v1.3.0"), delivery="t-3")
    assert len(push.json["job_ids"]) == 1 and create.json["job_ids"] == [] and release.json["job_ids"] == []
    (message,) = api.messages()
    assert message["ref"] == "refs/tags/v1.3.0" and message["fallback_branch"] == "main"
    # A published release of another tag is its own scan.
    assert len(deliver(api, "release", ev.release_payload("v2.0.0"), delivery="t-4").json["job_ids"]) == 1
    # A draft or edited release is not.
    assert deliver(api, "release", ev.release_payload("v2.1.0", "created"), delivery="t-5").json["outcome"] == "ignored"


def test_deletions_are_recorded_and_marked_not_scanned(api):
    seed(api)
    for delivery, event, payload in (
        ("x-1", "push", ev.push_payload("refs/heads/main", deleted=True)),
        ("x-2", "delete", ev.delete_payload("v0.9.0", "tag")),
    ):
        answer = deliver(api, event, payload, delivery=delivery)
        assert answer.status == 202 and answer.json["job_ids"] == []
    assert api.messages() == []
    rows = api.rows("SELECT action_type, status, details FROM activities ORDER BY id DESC LIMIT 2")
    # main's snapshot is marked removed from the remote; v0.9.0 has none to mark.
    assert [(a, s) for a, s, _ in rows] == [("webhook_received", "ignored"), ("webhook_received", "ok")]
    assert "deleted" in rows[0][2] and "deleted" in rows[1][2]
    assert api.rows("SELECT count(*) FROM modules WHERE removed_from_remote_at IS NOT NULL") == [(1,)]
    assert api.rows("SELECT count(*) FROM modules") == [(1,)]  # snapshots stay


def test_ping_and_other_events(api):
    seed(api)
    assert deliver(api, "ping", ev.ping_payload(), delivery="p-1").json["outcome"] == "pong"
    other = deliver(api, "star", {"action": "created", "repository": ev.github_repository()}, delivery="p-2")
    assert other.status == 202 and other.json["outcome"] == "ignored"
    missing = github_event("push", ev.push_payload())
    del missing["headers"]["x-github-event"]
    answer = api.call(missing)
    assert answer.status == 422 and answer.json["error"]["field"] == "X-GitHub-Event"


def test_an_unconfigured_webhook_secret_refuses_everything(migrated_database_url, aws):
    env = settings_env()
    del env["CODE_TRACKER_GITHUB_WEBHOOK_SECRET"]
    local = make_api(migrated_database_url, aws, env=env)
    answer = local.call(github_event("push", ev.push_payload(), secret=""))
    assert answer.status == 500 and answer.json["error"]["code"] == "internal_error"


class CommitFailsOnce:
    """A unit-of-work factory whose first commit fails after the work ran (the process crashed after
    sending the scan messages and before committing)."""

    def __init__(self, inner):
        self.inner, self.failed = inner, False

    def __call__(self, *, read_only=False):
        unit = self.inner(read_only=read_only)
        outer = self

        class Unit:
            def __enter__(self):
                self.uow = unit.__enter__()
                return self

            def __getattr__(self, name):
                return getattr(self.uow, name)

            def commit(self):
                if not read_only and not outer.failed:
                    outer.failed = True
                    from codetracker.errors import StoreUnavailable

                    raise StoreUnavailable("the connection was lost at commit")
                self.uow.commit()

            def __exit__(self, *exc):
                return unit.__exit__(*exc)

        return Unit()


def test_a_failed_commit_sends_nothing_and_the_redelivery_queues_again(api):
    seed(api)
    api.services.__dict__["unit_of_work"] = CommitFailsOnce(api.services.unit_of_work)
    first = deliver(api, "push", ev.push_payload(), delivery="crash-1")
    assert first.status == 503
    assert api.rows("SELECT count(*) FROM webhook_deliveries") == [(0,)]  # not marked seen
    retried = deliver(api, "push", ev.push_payload(), delivery="crash-1")
    assert retried.status == 202 and retried.json["outcome"] == "queued"
    messages = api.messages()
    # The first attempt's message was in its outbox, rolled back with its job: only the redelivery's job
    # and message exist.
    jobs = {str(j) for (j,) in api.rows("SELECT id FROM jobs WHERE trigger = 'webhook'")}
    assert jobs == {retried.json["job_ids"][0]}
    assert [m["job_id"] for m in messages] == [retried.json["job_ids"][0]]


def test_concurrent_deliveries_of_one_id_queue_once(migrated_database_url, aws):
    """Two api containers (two connections) receive the same delivery at once: the second waits on the
    first's claim, then finds it."""
    from codetracker.adapters.sqs import SqsScanQueue

    sqs, url = aws

    class SlowQueue(SqsScanQueue):
        def send(self, message):
            time.sleep(0.5)  # a slow send (after the first's commit: the outbox) delays nobody's claim
            return super().send(message)

    first = make_api(migrated_database_url, aws, scan_queue=SlowQueue(url))
    second = make_api(migrated_database_url, aws)
    seed(first)
    event = github_event("push", ev.push_payload(), delivery="concurrent-1")
    answers = {}

    def run(name, harness, delay):
        time.sleep(delay)
        answers[name] = harness.call(event)

    threads = [
        threading.Thread(target=run, args=("first", first, 0)),
        threading.Thread(target=run, args=("second", second, 0.2)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(a.json["outcome"] for a in answers.values()) == ["duplicate", "queued"]
    assert answers["first"].json["outcome"] == "queued"
    assert len(first.messages()) == 1
    for harness in (first, second):
        harness.services.unit_of_work.database.close()


@pytest.mark.parametrize("delivery", ["", "x" * 300, "bad\x01id"])
def test_malformed_delivery_ids_are_refused(api, delivery):
    seed(api)
    answer = deliver(api, "push", ev.push_payload(), delivery=delivery)
    assert answer.status == 422 and answer.json["error"]["field"] == "X-GitHub-Delivery"
