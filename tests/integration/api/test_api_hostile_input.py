"""Hostile input at the api, against real Postgres and moto SQS (security review, issue 17): bodies too deep or
with numbers too long for the parser, refs the scanner would refuse, GitHub deliveries of GitHub's real sizes,
methods a route does not have. Each is a 4xx JSON error naming its field, never a 500."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import bearer, github_event, http_event

HOSTILE_BODIES = {
    "50,000-deep array": '{"url": ' + "[" * 50_000 + "]" * 50_000 + "}",
    "30,000-deep object": '{"url": ' + '{"a":' * 30_000 + "1" + "}" * 30_000 + "}",
    "5,001-digit integer": '{"url": ' + "7" * 5_001 + "}",
    "deep at the top": "[" * 50_000 + "]" * 50_000,
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_bodies_the_parser_cannot_hold_are_a_400_naming_the_body(api, body):
    seed(api)
    answer = api.call(http_event("POST", "/repositories", headers=bearer(ev.APP_TOKEN), body=body))
    assert answer.status == 400, answer.text
    assert answer.json["error"] == {
        "code": "malformed_body",
        "message": "the request body is not valid JSON",
        "field": "body",
    }
    assert api.messages() == []


@pytest.mark.parametrize("ref", ["@", "@{-1}", "main@{1}", "a..b", "-x", "v1.lock", "x/", ".hidden", "a b", "x."])
def test_refs_the_scanner_refuses_are_refused_when_asked_for(api, ref):
    seed(api)
    answer = api.call(
        http_event(
            "POST",
            f"/repositories/{ev.REPOSITORY_ID}/scans",
            headers=bearer(ev.APP_TOKEN),
            body=json.dumps({"ref": ref}),
        )
    )
    assert answer.status == 422, answer.text
    assert answer.json["error"]["code"] == "invalid_input" and answer.json["error"]["field"] == "ref"
    assert api.messages() == []
    for branch_body in ({"url": ev.NEW_REPOSITORY_URL, "branch": ref}, {"branch": ref}):
        path = "/repositories" if "url" in branch_body else f"/repositories/{ev.REPOSITORY_ID}"
        method = "POST" if "url" in branch_body else "PATCH"
        answer = api.call(http_event(method, path, headers=bearer(ev.APP_TOKEN), body=json.dumps(branch_body)))
        assert answer.status == 422 and answer.json["error"]["field"] == "branch", (ref, answer.text)


@pytest.mark.parametrize("ref", ["main", "refs/tags/v1.0.0", "HEAD", ev.PUSHED_COMMIT, "feature/a@b", "release-1.x"])
def test_refs_git_accepts_are_queued(api, ref):
    seed(api)
    answer = api.call(
        http_event(
            "POST",
            f"/repositories/{ev.REPOSITORY_ID}/scans",
            headers=bearer(ev.APP_TOKEN),
            body=json.dumps({"ref": ref}),
        )
    )
    assert answer.status == 202, answer.text
    assert [m["ref"] for m in api.messages()] == [ref]


def _big_push(size: int) -> dict:
    """A push as GitHub sends one with many commits: most of its bytes are commits the service never reads."""
    payload = ev.push_payload("refs/heads/main")
    commit = {"id": "0" * 40, "message": 'a change ]}"[{ ' * 40, "added": [f"src/f{i}.js" for i in range(40)]}
    count = size // len(json.dumps(commit)) + 1
    return {**payload, "commits": [{**commit, "id": f"{i:040x}"} for i in range(count)]}


def test_a_signed_delivery_of_several_megabytes_is_read_for_its_few_fields(api):
    seed(api)
    event = github_event("push", _big_push(6 * 1024 * 1024))
    assert len(event["body"]) > 6 * 1024 * 1024
    tracemalloc.start()
    try:
        answer = api.call(event)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status == 202 and answer.json["outcome"] == "queued", answer.text
    assert [m["ref"] for m in api.messages()] == ["refs/heads/main"]
    # The body, its bytes and a copy or two; a tree of the whole payload would be several times the body.
    assert peak < 4 * len(event["body"]), peak


def test_a_delivery_over_api_gateways_limit_is_a_413_and_queues_nothing(api):
    seed(api)
    event = github_event("push", _big_push(10 * 1024 * 1024 + 1))
    answer = api.call(event)
    assert answer.status == 413 and answer.json["error"]["code"] == "payload_too_large", answer.text
    assert api.messages() == []


def test_other_routes_keep_their_small_body_limit(api):
    seed(api)
    body = json.dumps({"url": ev.NEW_REPOSITORY_URL, "slug": "x" * (300 * 1024)})
    answer = api.call(http_event("POST", "/repositories", headers=bearer(ev.APP_TOKEN), body=body))
    assert answer.status == 413 and answer.json["error"]["field"] == "body"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/repositories", "GET, POST"),
        ("TRACE", f"/repositories/{ev.REPOSITORY_ID}", "DELETE, GET, PATCH"),
        ("DELETE", "/apps", "POST"),
        ("GET", "/webhooks/github", "POST"),
        ("HEAD", "/health", "GET"),
        ("OPTIONS", f"/repositories/{ev.REPOSITORY_ID}/scans", "POST"),
    ],
)
def test_a_method_a_route_does_not_have_is_a_405_with_allow(api, method, path, allowed):
    answer = api.call(http_event(method, path, headers=bearer(ev.APP_TOKEN)))
    assert answer.status == 405, answer.text
    assert answer.headers["Allow"] == allowed
    assert answer.json["error"]["code"] == "method_not_allowed"


def test_a_path_no_route_has_is_still_a_404(api):
    answer = api.call(http_event("PUT", "/nothing/here", headers=bearer(ev.APP_TOKEN)))
    assert answer.status == 404 and answer.json["error"]["code"] == "not_found"


@pytest.mark.parametrize("limit", ["7" * 5_001, "1e400", "-" + "9" * 5_001, "0x10", "NaN"])
def test_query_numbers_the_parser_cannot_hold_are_a_422_naming_the_parameter(api, limit):
    seed(api)
    answer = api.call(http_event("GET", "/repositories", headers=bearer(ev.APP_TOKEN), query={"limit": limit}))
    assert answer.status == 422 and answer.json["error"]["field"] == "limit", answer.text
