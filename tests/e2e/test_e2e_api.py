"""The api through `codetracker dev`'s HTTP bridge: what API Gateway's contract gives, webhooks, isolation."""

from __future__ import annotations

import json
import uuid

from tests.e2e.conftest import (
    ADMIN_TOKEN,
    create_app,
    library,
    push_body,
    register,
    send_webhook,
    uses_shared_dev,
    wait_until,
)

pytestmark = uses_shared_dev


def test_health_docs_and_the_gateway_answers(dev):
    health = dev.request("GET", "/health")
    assert health.status == 200 and health.json == {"status": "ok"}
    assert health.headers.get("apigw-requestid")
    docs = dev.request("GET", "/docs")
    assert docs.status == 200 and b"swagger" in docs.body.lower()
    assert dev.request("GET", "/openapi.json").json["info"]["title"] == "Codetracker API"
    missing = dev.request("GET", "/no/such/route?x=1")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"
    for method in ("TRACE", "PUT", "PROPFIND"):  # the function's 405, never the bridge's own HTML page
        refused = dev.request(method, "/health")
        assert (refused.status, refused.headers.get("Allow")) == (405, "GET"), method
        assert refused.json["error"]["code"] == "method_not_allowed"


def test_a_body_over_api_gateways_10_mb_limit_is_413_before_the_function(dev):
    answer = dev.request("POST", "/apps", body=b"x" * (10 * 1024 * 1024 + 1), token=ADMIN_TOKEN,
                         headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status == 413
    assert answer.json == {"message": "Request Entity Too Large"}
    # Under the gateway's limit, over the function's own (256 KB): the function answers, in its format.
    answer = dev.request("POST", "/apps", body=b"{" + b" " * (300 * 1024) + b"}", token=ADMIN_TOKEN,
                         headers={"content-type": "application/json"})  # fmt: skip
    assert answer.status == 413 and answer.json["error"]["code"] == "payload_too_large"


def test_binary_bodies_reach_the_function_base64_encoded(dev):
    # A body that is not text arrives with isBase64Encoded; the function decodes it and finds no JSON.
    answer = dev.request("POST", "/apps", body=b"\xff\xfe\x00binary", token=ADMIN_TOKEN,
                         headers={"content-type": "application/octet-stream"})  # fmt: skip
    assert answer.status in (400, 422), answer.body
    assert answer.json["error"]["code"] in ("malformed_body", "invalid_input")


def test_an_app_registers_a_repository_served_over_http(dev, make_repo):
    repo = make_repo("register")
    repo.commit(library(1))
    app = create_app(dev, "registrar")
    registered = register(dev, app, repo)
    assert registered["url"].startswith("http://127.0.0.1:")
    assert registered["job_id"]
    listed = dev.request("GET", "/repositories", token=app.token).json
    assert [r["id"] for r in listed["items"]] == [registered["id"]]


def test_private_urls_are_allowed_in_this_mode(dev, make_repo):
    app = create_app(dev, "private", callback_url="http://127.0.0.1:9/hooks")
    repo = make_repo("private")
    repo.commit(library(1))
    assert register(dev, app, repo, callback_url="http://localhost:9/other")["callback_url"]


def test_a_bad_signature_is_401_and_queues_nothing(dev, make_repo):
    repo = make_repo("badsig")
    first = repo.commit(library(1))
    app = create_app(dev, "badsig")
    registered = register(dev, app, repo)
    second = repo.commit(library(2, "extra"))
    before = dev.request("GET", f"/repositories/{registered['id']}/jobs", token=app.token).json["items"]
    answer = send_webhook(dev, push_body(repo, "refs/heads/main", second, first), secret="not-the-secret")
    assert answer.status == 401
    unsigned = dev.request("POST", "/webhooks/github", body=push_body(repo, "refs/heads/main", second, first),
                           headers={"x-github-event": "push", "x-github-delivery": str(uuid.uuid4()),
                                    "content-type": "application/json"})  # fmt: skip
    assert unsigned.status == 401
    after = dev.request("GET", f"/repositories/{registered['id']}/jobs", token=app.token).json["items"]
    assert [j["id"] for j in after] == [j["id"] for j in before]


def test_the_same_delivery_twice_queues_one_scan(dev, make_repo):
    repo = make_repo("dedup")
    first = repo.commit(library(1))
    app = create_app(dev, "dedup")
    registered = register(dev, app, repo)
    repo.builder.tag("v1.0.0", first)
    body = push_body(repo, "refs/tags/v1.0.0", first)
    delivery = str(uuid.uuid4())
    one = send_webhook(dev, body, delivery=delivery)
    two = send_webhook(dev, body, delivery=delivery)
    assert one.status == 202 and one.json.get("job_ids"), one.body
    assert two.status == 200, two.body
    jobs = dev.request("GET", f"/repositories/{registered['id']}/jobs", token=app.token).json["items"]
    webhook_jobs = [j for j in jobs if j["trigger"] != "api"]
    assert len(webhook_jobs) == 1 and webhook_jobs[0]["id"] in one.json["job_ids"]


def test_two_apps_see_and_change_nothing_of_each_other(dev, make_repo):
    repo = make_repo("isolated")
    repo.commit(library(1))
    a, b = create_app(dev, "app-a"), create_app(dev, "app-b")
    registered = register(dev, a, repo)
    rid, job_id = registered["id"], registered["job_id"]
    assert dev.request("GET", "/repositories", token=b.token).json["items"] == []
    for path in (f"/repositories/{rid}", f"/repositories/{rid}/jobs", f"/repositories/{rid}/snapshots",
                 f"/repositories/{rid}/activity", f"/jobs/{job_id}"):  # fmt: skip
        answer = dev.request("GET", path, token=b.token)
        assert answer.status == 404, (path, answer.status)
    assert dev.request("PATCH", f"/repositories/{rid}", json_body={"branch": "x"}, token=b.token).status == 404
    assert dev.request("POST", f"/repositories/{rid}/scans", json_body={}, token=b.token).status == 404
    assert dev.request("DELETE", f"/repositories/{rid}", token=b.token).status == 404
    # The same URL registered by B is B's own registration, with its own scope.
    theirs = register(dev, b, repo)
    assert theirs["id"] != rid
    assert dev.request("GET", f"/repositories/{rid}", token=a.token).json["id"] == rid


def test_one_log_line_per_request(dev):
    marker, after = (f"/no-such-path-{uuid.uuid4().hex}" for _ in range(2))
    dev.request("GET", marker)
    # The bridge logs a request once it has answered it: wait for the line, then for the line of a later
    # request (logged after it), so that a second line of the first would be there too.
    wait_until(lambda: marker in dev.log_text(), timeout_s=10, what="the request's log line")
    dev.request("GET", after)
    wait_until(lambda: after in dev.log_text(), timeout_s=10, what="the next request's log line")
    lines = [line for line in dev.log_text().splitlines() if marker in line]
    assert len(lines) == 1 and "ApiFunction" in lines[0] and "→ 404" in lines[0]
    assert json.dumps  # the log is plain lines, not the handlers' JSON
