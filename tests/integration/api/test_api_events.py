"""Every sample event in events/api/ through the real handler (real Postgres, moto SQS): each answers as
documented here, errors in the error shape, so `sam local invoke ApiFunction -e events/api/<file>` samples
stay valid. A file without an expectation below fails the suite."""

from __future__ import annotations

import json

import pytest

from tests.support import api_events as ev
from tests.integration.api.conftest import seed

# file → (status, error code or None, scan messages queued)
EXPECTED = {
    "health": (200, None, 0),
    "openapi": (200, None, 0),
    "docs": (200, None, 0),
    "route-not-found": (404, "not_found", 0),
    "create-app": (201, None, 0),
    "create-app-wrong-admin-token": (401, "unauthorized", 0),
    "register-repository": (201, None, 1),
    "register-repository-again": (200, None, 1),
    "register-repository-metadata-address": (422, "url_refused", 0),
    "register-repository-http-url": (422, "url_refused", 0),
    "register-repository-unknown-field": (422, "unknown_field", 0),
    "register-repository-not-json": (400, "malformed_body", 0),
    "register-repository-too-large": (413, "payload_too_large", 0),
    "register-repository-no-token": (401, "unauthorized", 0),
    "list-repositories": (200, None, 0),
    "list-repositories-bad-cursor": (422, "invalid_input", 0),
    "get-repository": (200, None, 0),
    "get-repository-other-app": (404, "not_found", 0),
    "get-repository-wrong-token": (401, "unauthorized", 0),
    "update-repository": (200, None, 0),
    "delete-repository": (200, None, 0),
    "request-scan": (202, None, 1),
    "request-scan-watched-branch": (202, None, 1),
    "get-job": (200, None, 0),
    "get-job-other-app": (404, "not_found", 0),
    "list-jobs": (200, None, 0),
    "list-snapshots": (200, None, 0),
    "get-snapshot": (200, None, 0),
    "get-snapshot-other-app": (404, "not_found", 0),
    "get-snapshot-public": (200, None, 0),
    "get-snapshot-public-bad-value": (422, "invalid_input", 0),
    "get-snapshot-public-other-app": (404, "not_found", 0),
    "list-activity": (200, None, 0),
    "github-push": (202, None, 1),
    "github-push-base64": (202, None, 1),
    "github-push-bad-signature": (401, "unauthorized", 0),
    "github-push-unsigned": (401, "unauthorized", 0),
    "github-push-tag": (202, None, 1),
    "github-push-branch-deleted": (202, None, 0),
    "github-create-tag": (202, None, 1),
    "github-delete-tag": (202, None, 0),
    "github-release-published": (202, None, 1),
    "github-ping": (200, None, 0),
    "github-issues-ignored": (202, None, 0),
    "github-push-registration-hook": (202, None, 1),
    "github-push-registration-hook-other-secret": (401, "unauthorized", 0),
    "rotate-app-token": (200, None, 0),
    "rotate-app-token-other-app": (404, "not_found", 0),
    "rotate-signing-secret": (200, None, 0),
    "rotate-webhook-secret": (200, None, 0),
}
FILES = sorted(ev.EVENTS.glob("*.json"))


def test_every_event_file_has_an_expectation_and_is_current():
    assert {p.stem for p in FILES} == set(EXPECTED)
    # The files are what the generator writes: regenerate with `python -m tests.support.api_events`.
    assert {p.stem: json.loads(p.read_text()) for p in FILES} == ev.sample_events()


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_event_file(api, path):
    seed(api)
    status, code, queued = EXPECTED[path.stem]
    answer = api.call(json.loads(path.read_text()))
    assert answer.status == status, answer.text[:500]
    if path.stem == "docs":
        assert answer.headers["Content-Type"] == "text/html" and "swagger-ui" in answer.text
        # Offline: script and style inlined, nothing fetched from a CDN; our document (and its title) inside.
        assert "<script src=" not in answer.text and 'href="http' not in answer.text
        assert "Codetracker API" in answer.text and answer.headers.get("Content-Encoding") == "gzip"
        return
    body = answer.json
    if code is None:
        assert not isinstance(body.get("error"), dict)
    else:
        assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    messages = api.messages()
    assert len(messages) == queued
    for message in messages:
        assert message["v"] == 1 and message["type"] == "scan.requested"
    if path.stem == "get-snapshot":
        assert body["id"] == ev.SNAPSHOT_ID and [f["name"] for f in body["functions"]] == ["camel", "kebab"]
        assert body["next"] and body["functions"][0]["parameters"][0]["name"] == "value"
    if path.stem == "get-snapshot-public":
        assert body["functions"] == [] and body["next"] is None
        root, kebab = body["public_api"]
        assert (root["subpath"], root["file_path"], root["conditions"]) == (".", "src/index.mjs", ["import"])
        assert [(e["export_name"], e["name"]) for e in root["exports"]] == [("camel", "camel"), ("camelCase", "camel")]
        assert root["exports"][0]["functions"][0]["parameters"][0]["name"] == "value"
        assert root["unknown_exports"] == [
            {"export_name": "shout", "reason": "the value of a call: compose(upper, exclaim)"}
        ]
        assert kebab["subpath"] == "./kebab" and [e["name"] for e in kebab["exports"]] == ["kebab"]
        assert "snake" not in answer.text  # a deep import: not public
    if path.stem == "get-snapshot-public-bad-value":
        assert body["error"]["field"] == "public"
    if path.stem == "register-repository":
        assert body["status"] == "pending_snapshot" and body["job_id"] == messages[0]["job_id"]
        assert body["has_access_token"] is True and "ghp_example" not in answer.text
    if path.stem in ("github-push", "github-push-base64", "github-push-registration-hook"):
        assert messages[0]["ref"] == "refs/heads/main" and messages[0]["repository_id"] == ev.REPOSITORY_ID
