"""The whole pipeline in process: api POST /repositories → scan queue → scanner → persist queue → persister →
notify queue → notifier → the app's receiver, which verifies the Standard Webhooks signature. Real Postgres,
SQS and S3 in moto, git over HTTP on 127.0.0.1."""

from __future__ import annotations

from datetime import datetime

from tests.integration.pipeline.conftest import files_v2
from tests.support import api_events as ev


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def test_register_scan_persist_notify_then_a_change_names_what_changed(pipeline, app, receiver, http_repo):
    registered = pipeline.register(app["token"], http_repo.url)
    job_id = registered["job_id"]
    assert pipeline.get(app["token"], f"/jobs/{job_id}")["status"] == "queued"

    # One stage at a time, so each status is seen on the way.
    seen = []
    for queue in ("scan", "persist", "notify"):
        assert pipeline.poll(queue).received == 1
        seen.append(pipeline.get(app["token"], f"/jobs/{job_id}")["status"])
    assert seen == ["persisting", "notifying", "done"]

    job = pipeline.get(app["token"], f"/jobs/{job_id}")
    stages = job["stages"]
    times = [_at(stages[s][e]) for s in ("scan", "persist", "notify") for e in ("started_at", "ended_at")]
    assert all(times) and times == sorted(times)
    assert _at(job["created_at"]) <= times[0]
    assert job["commit_sha"] == http_repo.v1 and job["error"] is None and job["log_tail"] == []
    result = job["result"]
    assert result["counts"]["functions"] == 3 and result["changes"]["first_snapshot"] is True
    assert result["counts"]["unread_files"] == 0 and result["extraction"]["unread_sources"] == {}
    assert set(result["durations_s"]) == {"queued", "scan", "persist"}

    (delivery,) = receiver.wait_for(1)
    assert delivery.verified, delivery.error
    body = delivery.json
    assert body["type"] == "snapshot.stored"
    data = body["data"]
    assert data["job"]["id"] == job_id and data["repository"]["id"] == registered["id"]
    assert data["commit_sha"] == http_repo.v1
    assert data["snapshot"]["module_slug"] == registered["module_slug"]
    assert (data["snapshot"]["branch_name"], data["snapshot"]["release_tag"]) == ("main", "HEAD")
    assert data["snapshot"]["url"] == f"https://api.codetracker.test/snapshots/{data['snapshot']['id']}"
    assert data["counts"]["functions"] == 3
    assert delivery.headers["webhook-id"] == "msg_" + job_id.replace("-", "")
    repository = pipeline.get(app["token"], f"/repositories/{registered['id']}")
    assert repository["status"] == "synced" and repository["last_scanned_commit"] == http_repo.v1
    snapshot = pipeline.get(app["token"], f"/snapshots/{data['snapshot']['id']}")
    assert sorted(f["name"] for f in snapshot["functions"]) == ["camel", "gone", "kebab"]

    # A change: the next notification says what was added, removed and changed.
    v2 = http_repo.commit({**files_v2(), "src/legacy.cjs": b"function load() { module.exports = 1; }\nload();\n"})
    status, accepted = pipeline.api(
        ev.http_event("POST", f"/repositories/{registered['id']}/scans", body="{}", headers=ev.bearer(app["token"]))
    )
    assert status == 202
    assert pipeline.drain() == {"scan": 1, "persist": 1, "notify": 1}
    second = receiver.wait_for(2)[1]
    assert second.verified and second.headers["webhook-id"] != delivery.headers["webhook-id"]
    changes = second.json["data"]["changes"]
    assert changes["first_snapshot"] is False and changes["previous_commit"] == http_repo.v1
    assert [c["name"] for c in changes["added"]] == ["snake"]
    assert [c["name"] for c in changes["removed"]] == ["gone"]
    assert [c["name"] for c in changes["changed"]] == ["camel"]
    # Files not read are said in the notification and the job, never silently left out.
    assert second.json["data"]["counts"]["unread_files"] == 1 and second.json["data"]["unread"] == {"commonjs": 1}
    rescan = pipeline.get(app["token"], f"/jobs/{accepted['job_id']}")
    assert rescan["result"]["counts"]["unread_files"] == 1
    assert rescan["status"] == "done" and rescan["commit_sha"] == v2
    assert rescan["result"]["changes"]["added_count"] == 1
    # The first job's result is kept after its snapshot was replaced.
    assert pipeline.get(app["token"], f"/jobs/{job_id}")["result"]["commit_sha"] == http_repo.v1

    timeline = [
        a["action_type"]
        for a in reversed(pipeline.get(app["token"], f"/repositories/{registered['id']}/activity")["items"])
    ]
    assert timeline == [
        "repository_registered",
        "scan_requested",
        "scan_started",
        "scan_completed",
        "snapshot_stored",
        "notification_delivered",
        "scan_requested",
        "scan_started",
        "scan_completed",
        "snapshot_stored",
        "notification_delivered",
    ]


def test_without_a_callback_the_job_is_done_when_stored(pipeline, local_repo):
    created = pipeline.create_app(None, name="quiet")
    registered = pipeline.register(created["token"], local_repo.url)
    assert pipeline.drain() == {"scan": 1, "persist": 1, "notify": 0}
    job = pipeline.get(created["token"], f"/jobs/{registered['job_id']}")
    assert job["status"] == "done" and job["stages"]["notify"]["started_at"] is None
