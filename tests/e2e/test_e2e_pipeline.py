"""The queue pipeline through `codetracker dev`: register → scan → persist → signed notification, webhooks,
retries, the notify DLQ and redrive, tags, isolation of snapshots."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import (
    REPO_ROOT,
    create_app,
    dead_letter_jobs,
    job,
    library,
    push_body,
    register,
    send_webhook,
    wait_job,
    uses_shared_dev,
    wait_until,
)

pytestmark = [
    pytest.mark.skipif(not (REPO_ROOT / "functions" / "scanner" / "app.py").exists(),
                       reason="the queue pipeline (issue 10) is not in this tree"),
    uses_shared_dev,
]  # fmt: skip


def _names(dev, app, snapshot_id) -> set[str]:
    answer = dev.request("GET", f"/snapshots/{snapshot_id}?limit=100", token=app.token)
    assert answer.status == 200, answer.body
    return {f["name"] for f in answer.json["functions"]}


def _registered_and_notified(dev, receiver, make_repo, name, *extra):
    repo = make_repo(name)
    first = repo.commit(library(1, *extra))
    app = create_app(dev, name, callback_url=receiver.url)
    receiver.secret = app.signing_secret
    registered = register(dev, app, repo)
    (delivery,) = receiver.wait_for(lambda d: d.job_id == registered["job_id"])
    return repo, first, app, registered, delivery


def test_register_scan_store_and_a_signed_notification(dev, receiver, make_repo):
    repo, first, app, registered, delivery = _registered_and_notified(dev, receiver, make_repo, "first")
    assert delivery.verified, "the standardwebhooks verifier accepts the signature"
    assert delivery.webhook_id and delivery.headers["webhook-timestamp"].isdigit()
    payload = delivery.payload
    assert payload["type"] == "snapshot.stored"
    data = payload["data"]
    assert data["repository"]["id"] == registered["id"] and data["commit_sha"] == first
    assert data["snapshot"]["branch_name"] == "main" and data["snapshot"]["release_tag"] == "HEAD"
    assert data["counts"]["functions"] == 2
    assert _names(dev, app, data["snapshot"]["id"]) == {"greet", "add"}
    # the link to the snapshot is the local API's (the persister has the API's URL, as on AWS)
    assert data["snapshot"]["url"] == f"{dev.api_url}/snapshots/{data['snapshot']['id']}"
    linked = dev.request("GET", data["snapshot"]["url"][len(dev.api_url) :], token=app.token)
    assert linked.status == 200 and linked.json["id"] == data["snapshot"]["id"]
    done = wait_job(dev, app, registered["job_id"])
    assert done["commit_sha"] == first
    repository = dev.request("GET", f"/repositories/{registered['id']}", token=app.token).json
    assert repository["status"] == "synced"
    # One log line per handled event, for every function on the way.
    log = dev.log_text()
    for function in ("ScannerFunction", "PersisterFunction", "NotifierFunction"):
        assert any(function in line and "record" in line for line in log.splitlines()), function


def test_a_push_webhook_rescans_and_the_notification_names_what_changed(dev, receiver, make_repo):
    repo, first, app, registered, _ = _registered_and_notified(dev, receiver, make_repo, "push")
    second = repo.commit(library(2, "debounce"))
    answer = send_webhook(dev, push_body(repo, "refs/heads/main", second, first))
    assert answer.status == 202 and len(answer.json["job_ids"]) == 1, answer.body
    (delivery,) = receiver.wait_for(lambda d: d.job_id == answer.json["job_ids"][0])
    changes = delivery.payload["data"]["changes"]
    assert delivery.verified and delivery.payload["data"]["commit_sha"] == second
    assert changes["previous_commit"] == first and changes["first_snapshot"] is False
    assert [c["name"] for c in changes["added"]] == ["debounce"] and changes["removed_count"] == 0
    snapshots = dev.request("GET", f"/repositories/{registered['id']}/snapshots", token=app.token).json["items"]
    assert len(snapshots) == 1 and snapshots[0]["commit_sha"] == second  # the branch snapshot replaced, once


def test_a_tag_push_stores_a_tag_snapshot_and_leaves_the_branch(dev, receiver, make_repo):
    repo, first, app, registered, _ = _registered_and_notified(dev, receiver, make_repo, "tag")
    repo.builder.tag("v1.0.0", first, annotated=True)
    second = repo.commit(library(2, "later"))  # main moves on; the tag stays at the first commit
    answer = send_webhook(dev, push_body(repo, "refs/tags/v1.0.0", first))
    assert answer.status == 202, answer.body
    (delivery,) = receiver.wait_for(lambda d: d.job_id == answer.json["job_ids"][0])
    assert delivery.payload["data"]["snapshot"]["release_tag"] == "v1.0.0"
    snapshots = dev.request("GET", f"/repositories/{registered['id']}/snapshots", token=app.token).json["items"]
    keys = {(s["branch_name"], s["release_tag"]): s["commit_sha"] for s in snapshots}
    assert keys == {("main", "HEAD"): first, ("main", "v1.0.0"): first}
    assert second != first


def test_a_receiver_that_fails_gets_retries_with_growing_delays_then_one_delivery(dev, receiver, make_repo):
    repo = make_repo("retry")
    repo.commit(library(1))
    app = create_app(dev, "retry", callback_url=receiver.url)
    receiver.secret = app.signing_secret
    receiver.fail_next(3, status=500)
    registered = register(dev, app, repo)
    receiver.wait_for(lambda d: d.job_id == registered["job_id"], timeout_s=90)
    attempts = [d for d in receiver.deliveries if d.job_id == registered["job_id"]]
    assert [d.status for d in attempts] == [500, 500, 500, 204]
    assert len({d.webhook_id for d in attempts}) == 1  # one notification, one webhook-id across its attempts
    assert all(d.verified for d in attempts)
    gaps = [b.received_at - a.received_at for a, b in zip(attempts, attempts[1:])]
    assert gaps[-1] > gaps[0] and all(g >= 0.5 for g in gaps), gaps
    wait_job(dev, app, registered["job_id"])
    time.sleep(1.5)
    assert len([d for d in receiver.deliveries if d.job_id == registered["job_id"]]) == 4  # nothing after success


def test_a_receiver_down_past_the_attempts_fails_the_repository_then_redrive_delivers(dev, receiver, make_repo):
    repo = make_repo("dlq")
    repo.commit(library(1))
    app = create_app(dev, "dlq", callback_url=receiver.url)
    receiver.secret = app.signing_secret
    receiver.down(503)
    registered = register(dev, app, repo)
    job_id = registered["job_id"]

    def failed():
        found = dev.request("GET", f"/repositories/{registered['id']}", token=app.token).json
        return found if found["status"] == "failed" else None

    repository = wait_until(failed, timeout_s=90, what="the repository failed")
    assert "503" in (repository.get("last_error") or "")
    assert job(dev, app, job_id)["status"] == "failed"
    attempts = [d for d in receiver.deliveries if d.job_id == job_id]
    assert len(attempts) == int(dev.record["parameters"]["NotifyMaxAttempts"])
    wait_until(
        lambda: job_id in dead_letter_jobs(dev, "NotifyDeadLetterQueue"),
        timeout_s=30,
        what="the notification in the notify DLQ",
    )

    receiver.up()
    done = subprocess.run([sys.executable, "-m", "codetracker.cli", "redrive", "notify"], env=dev.env,
                          capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "moved" in done.stdout or "move task" in done.stdout
    delivered = receiver.wait_for(lambda d: d.job_id == job_id, timeout_s=60)
    assert len(delivered) == 1 and delivered[0].webhook_id == attempts[0].webhook_id and delivered[0].verified
    wait_job(dev, app, job_id)
    assert job_id not in dead_letter_jobs(dev, "NotifyDeadLetterQueue")


def test_another_app_cannot_read_a_stored_snapshot(dev, receiver, make_repo):
    _, _, app, registered, delivery = _registered_and_notified(dev, receiver, make_repo, "owner")
    other = create_app(dev, "intruder")
    snapshot_id = delivery.payload["data"]["snapshot"]["id"]
    assert dev.request("GET", f"/snapshots/{snapshot_id}", token=other.token).status == 404
    assert dev.request("GET", f"/snapshots/{snapshot_id}", token=app.token).status == 200
    assert dev.request("GET", f"/repositories/{registered['id']}/activity", token=other.token).status == 404


def test_show_and_db_status_work_against_the_running_system(dev, receiver, make_repo):
    _, _, app, registered, delivery = _registered_and_notified(dev, receiver, make_repo, "cli")
    slug = delivery.payload["data"]["snapshot"]["module_slug"]
    done = subprocess.run([sys.executable, "-m", "codetracker.cli", "show", slug, "--repository", registered["id"],
                           "--json"], env=dev.env, capture_output=True, text=True, timeout=60,
                          cwd=REPO_ROOT)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert '"commit_sha"' in done.stdout
    status = subprocess.run([sys.executable, "-m", "codetracker.cli", "db", "status"], env=dev.env,
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "codetracker dev: running" in status.stdout and dev.api_url in status.stdout
