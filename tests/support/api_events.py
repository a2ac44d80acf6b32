"""API Gateway HTTP API (payload v2) events and GitHub webhook payloads, as the services send them.

`python -m tests.support.api_events` (from the repository root) writes `events/api/*.json`: one event per route
and main error case, for `sam local invoke ApiFunction -e events/api/<name>.json` and for the tests, which
invoke the handler with every file (tests/integration/api/test_api_events.py). The ids, tokens and secret
below are the ones those tests seed, so every sample answers as documented there.

GitHub payloads follow the shapes GitHub documents for `push` (branch and tag), `create`, `delete`,
`release` and `ping` (the fields the service reads, plus the common ones around them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events" / "api"

ADMIN_TOKEN = "events-admin-token-do-not-use-in-production"
WEBHOOK_SECRET = "events-webhook-secret"
# The secret of the seeded registration's own webhook URL (/webhooks/github/<REPOSITORY_ID>).
REGISTRATION_WEBHOOK_SECRET = "ctwh_events-registration-webhook-secret"
ENCRYPTION_KEY = base64.b64encode(b"events-encryption-key-32-bytes!!").decode()
APP_ID = "0b4e7a52-1c3f-4a8e-9d55-2f1a6c3e9b01"
APP_TOKEN = "ctk_events-app-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
OTHER_APP_ID = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"
OTHER_APP_TOKEN = "ctk_events-other-app-token-BBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
REPOSITORY_ID = "5d6e7f80-91a2-4b3c-8d4e-5f6071829304"
JOB_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
SNAPSHOT_ID = 1  # the first snapshot stored in a fresh database
REPOSITORY_URL = "https://github.com/octo-org/hello-js"
NEW_REPOSITORY_URL = "https://github.com/octo-org/left-pad-esm"
PUSHED_COMMIT = "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
PREVIOUS_COMMIT = "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"


def http_event(
    method: str,
    path: str,
    *,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    base64_body: bool = False,
    request_id: str = "JKJaXmPLvHcESHA=",
) -> dict[str, Any]:
    """An HTTP API v2 event as API Gateway builds it: lowercased headers, raw query string, request context."""
    all_headers = {
        "accept": "application/json",
        "host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "user-agent": "codetracker-events/1.0",
        "x-forwarded-for": "203.0.113.10",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    if body is not None and "content-type" not in all_headers:
        all_headers["content-type"] = "application/json"
    if isinstance(body, bytes):
        encoded: str | None = base64.b64encode(body).decode()
        base64_body = True
    elif body is not None and base64_body:
        encoded = base64.b64encode(body.encode()).decode()
    else:
        encoded = body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": all_headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "domainPrefix": "abc123",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.10",
                "userAgent": "codetracker-events/1.0",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Nov/2026:12:00:00 +0000",
            "timeEpoch": 1793534400000,
        },
        "isBase64Encoded": base64_body,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if encoded is not None:
        event["body"] = encoded
    return event


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# --- GitHub ------------------------------------------------------------------------------------------------


def github_repository(url: str = REPOSITORY_URL, *, default_branch: str = "main") -> dict[str, Any]:
    owner, name = url.rsplit("/", 2)[-2:]
    host = url.split("/")[2]
    return {
        "id": 186853002,
        "node_id": "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
        "name": name,
        "full_name": f"{owner}/{name}",
        "private": False,
        "owner": {"name": owner, "login": owner, "id": 21031067, "type": "Organization"},
        "html_url": url,
        "url": url,
        "git_url": f"git://{host}/{owner}/{name}.git",
        "ssh_url": f"git@{host}:{owner}/{name}.git",
        "clone_url": f"{url}.git",
        "svn_url": url,
        "default_branch": default_branch,
        "master_branch": default_branch,
    }


def _sender() -> dict[str, Any]:
    return {"login": "Codertocat", "id": 21031067, "type": "User", "site_admin": False}


def push_payload(
    ref: str = "refs/heads/main",
    *,
    after: str = PUSHED_COMMIT,
    before: str = PREVIOUS_COMMIT,
    deleted: bool = False,
    url: str = REPOSITORY_URL,
) -> dict[str, Any]:
    created = before == "0" * 40
    commit = {
        "id": after,
        "tree_id": "f9d2a07e9488b91af2641b26b9407fe22a451433",
        "distinct": True,
        "message": "Export debounce from the package entry",
        "timestamp": "2026-11-01T12:00:00+00:00",
        "url": f"{url}/commit/{after}",
        "author": {"name": "Codertocat", "email": "codertocat@example.com", "username": "Codertocat"},
        "committer": {"name": "Codertocat", "email": "codertocat@example.com", "username": "Codertocat"},
        "added": [],
        "removed": [],
        "modified": ["src/index.mjs"],
    }
    return {
        "ref": ref,
        "before": before,
        "after": "0" * 40 if deleted else after,
        "created": created,
        "deleted": deleted,
        "forced": False,
        "base_ref": None,
        "compare": f"{url}/compare/{before[:12]}...{after[:12]}",
        "commits": [] if deleted else [commit],
        "head_commit": None if deleted else commit,
        "repository": github_repository(url),
        "pusher": {"name": "Codertocat", "email": "codertocat@example.com"},
        "sender": _sender(),
    }


def create_payload(ref: str, ref_type: str = "tag", *, url: str = REPOSITORY_URL) -> dict[str, Any]:
    return {
        "ref": ref,
        "ref_type": ref_type,
        "master_branch": "main",
        "description": None,
        "pusher_type": "user",
        "repository": github_repository(url),
        "sender": _sender(),
    }


def delete_payload(ref: str, ref_type: str = "branch", *, url: str = REPOSITORY_URL) -> dict[str, Any]:
    return {
        "ref": ref,
        "ref_type": ref_type,
        "pusher_type": "user",
        "repository": github_repository(url),
        "sender": _sender(),
    }


def release_payload(tag: str, action: str = "published", *, url: str = REPOSITORY_URL) -> dict[str, Any]:
    return {
        "action": action,
        "release": {
            "url": "https://api.github.com/repos/octo-org/hello-js/releases/2",
            "html_url": f"{url}/releases/tag/{tag}",
            "id": 2,
            "tag_name": tag,
            "target_commitish": "main",
            "name": tag,
            "draft": False,
            "prerelease": False,
            "created_at": "2026-11-01T12:00:00Z",
            "published_at": "2026-11-01T12:00:05Z",
            "author": _sender(),
        },
        "repository": github_repository(url),
        "sender": _sender(),
    }


def ping_payload(*, url: str = REPOSITORY_URL) -> dict[str, Any]:
    return {
        "zen": "Design for failure.",
        "hook_id": 30,
        "hook": {
            "type": "Repository",
            "id": 30,
            "name": "web",
            "active": True,
            "events": ["push", "create", "release"],
            "config": {"content_type": "json", "insecure_ssl": "0", "url": "https://api.example.com/webhooks/github"},
        },
        "repository": github_repository(url),
        "sender": _sender(),
    }


def github_event(
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    secret: str = WEBHOOK_SECRET,
    signature: str | None = None,
    base64_body: bool = False,
    path: str = "/webhooks/github",
) -> dict[str, Any]:
    body = json.dumps(payload, indent=2)  # GitHub's bodies are pretty-printed: the signature is over these bytes
    raw = body.encode()
    headers = {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/044aadd",
        "x-github-event": event,
        "x-github-delivery": delivery,
        "x-github-hook-id": "292430182",
        "x-github-hook-installation-target-id": "79929171",
        "x-github-hook-installation-target-type": "repository",
        "x-hub-signature-256": signature
        if signature is not None
        else "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest(),
    }
    return http_event("POST", path, body=body, headers=headers, base64_body=base64_body)


# --- the sample files ----------------------------------------------------------------------------------------


def sample_events() -> dict[str, dict[str, Any]]:
    app_auth, other_auth = bearer(APP_TOKEN), bearer(OTHER_APP_TOKEN)
    repo = f"/repositories/{REPOSITORY_ID}"
    return {
        "health": http_event("GET", "/health"),
        "openapi": http_event("GET", "/openapi.json"),
        "docs": http_event("GET", "/docs", headers={"accept": "text/html", "accept-encoding": "gzip, deflate, br"}),
        "route-not-found": http_event("GET", "/nothing-here", headers=app_auth),
        "create-app": http_event(
            "POST",
            "/apps",
            headers=bearer(ADMIN_TOKEN),
            body=json.dumps({"name": "docs-portal", "callback_url": "https://hooks.example.com/codetracker"}),
        ),
        "create-app-wrong-admin-token": http_event(
            "POST", "/apps", headers=bearer("not-the-admin-token"), body=json.dumps({"name": "intruder"})
        ),
        "register-repository": http_event(
            "POST",
            "/repositories",
            headers=app_auth,
            body=json.dumps(
                {"url": NEW_REPOSITORY_URL + ".git", "branch": "main", "access_token": "ghp_exampleexample"}
            ),
        ),
        "register-repository-again": http_event(
            "POST", "/repositories", headers=app_auth, body=json.dumps({"url": REPOSITORY_URL})
        ),
        "register-repository-metadata-address": http_event(
            "POST",
            "/repositories",
            headers=app_auth,
            body=json.dumps({"url": "https://169.254.169.254/latest/meta-data"}),
        ),
        "register-repository-http-url": http_event(
            "POST", "/repositories", headers=app_auth, body=json.dumps({"url": "http://github.com/octo-org/x"})
        ),
        "register-repository-unknown-field": http_event(
            "POST", "/repositories", headers=app_auth, body=json.dumps({"url": NEW_REPOSITORY_URL, "brnach": "main"})
        ),
        "register-repository-not-json": http_event(
            "POST",
            "/repositories",
            headers=app_auth,
            body="url=https://github.com/octo-org/x",
        ),
        "register-repository-too-large": http_event(
            "POST",
            "/repositories",
            headers=app_auth,
            body=json.dumps({"url": NEW_REPOSITORY_URL, "slug": "x" * (300 * 1024)}),
        ),
        "register-repository-no-token": http_event(
            "POST", "/repositories", body=json.dumps({"url": NEW_REPOSITORY_URL})
        ),
        "list-repositories": http_event("GET", "/repositories", headers=app_auth, query={"limit": "10"}),
        "list-repositories-bad-cursor": http_event(
            "GET", "/repositories", headers=app_auth, query={"cursor": "not-a-cursor"}
        ),
        "get-repository": http_event("GET", repo, headers=app_auth),
        "get-repository-other-app": http_event("GET", repo, headers=other_auth),
        "get-repository-wrong-token": http_event("GET", repo, headers=bearer("ctk_wrong")),
        "update-repository": http_event(
            "PATCH",
            repo,
            headers=app_auth,
            body=json.dumps({"callback_url": "https://hooks.example.com/hello-js", "access_token": None}),
        ),
        "delete-repository": http_event("DELETE", repo, headers=app_auth),
        "request-scan": http_event("POST", f"{repo}/scans", headers=app_auth, body=json.dumps({"ref": "v1.2.0"})),
        "request-scan-watched-branch": http_event("POST", f"{repo}/scans", headers=app_auth),
        "get-job": http_event("GET", f"/jobs/{JOB_ID}", headers=app_auth),
        "get-job-other-app": http_event("GET", f"/jobs/{JOB_ID}", headers=other_auth),
        "list-jobs": http_event("GET", f"{repo}/jobs", headers=app_auth),
        "list-snapshots": http_event("GET", f"{repo}/snapshots", headers=app_auth),
        "get-snapshot": http_event("GET", f"/snapshots/{SNAPSHOT_ID}", headers=app_auth, query={"limit": "2"}),
        "get-snapshot-other-app": http_event("GET", f"/snapshots/{SNAPSHOT_ID}", headers=other_auth),
        "get-snapshot-public": http_event(
            "GET", f"/snapshots/{SNAPSHOT_ID}", headers=app_auth, query={"public": "true"}
        ),
        "get-snapshot-public-bad-value": http_event(
            "GET", f"/snapshots/{SNAPSHOT_ID}", headers=app_auth, query={"public": "maybe"}
        ),
        "get-snapshot-public-other-app": http_event(
            "GET", f"/snapshots/{SNAPSHOT_ID}", headers=other_auth, query={"public": "true"}
        ),
        "list-activity": http_event("GET", f"{repo}/activity", headers=app_auth),
        "github-push": github_event("push", push_payload()),
        "github-push-base64": github_event(
            "push", push_payload(), delivery="a1b2c3d4-0000-11e3-81ab-4c9367dc0958", base64_body=True
        ),
        "github-push-bad-signature": github_event("push", push_payload(), signature="sha256=" + "0" * 64),
        "github-push-unsigned": github_event("push", push_payload(), signature=""),
        "github-push-tag": github_event(
            "push", push_payload("refs/tags/v1.3.0", before="0" * 40), delivery="b2c3d4e5-0000-11e3-81ab-4c9367dc0958"
        ),
        "github-push-branch-deleted": github_event(
            "push", push_payload("refs/heads/main", deleted=True), delivery="c3d4e5f6-0000-11e3-81ab-4c9367dc0958"
        ),
        "github-create-tag": github_event(
            "create", create_payload("v1.4.0"), delivery="d4e5f6a7-0000-11e3-81ab-4c9367dc0958"
        ),
        "github-delete-tag": github_event(
            "delete", delete_payload("v0.9.0", "tag"), delivery="e5f6a7b8-0000-11e3-81ab-4c9367dc0958"
        ),
        "github-release-published": github_event(
            "release", release_payload("v2.0.0"), delivery="f6a7b8c9-0000-11e3-81ab-4c9367dc0958"
        ),
        "github-push-registration-hook": github_event(
            "push", push_payload(), secret=REGISTRATION_WEBHOOK_SECRET, path=f"/webhooks/github/{REPOSITORY_ID}"
        ),
        "github-push-registration-hook-other-secret": github_event(
            "push", push_payload(), path=f"/webhooks/github/{REPOSITORY_ID}"
        ),
        "rotate-app-token": http_event("POST", f"/apps/{APP_ID}/token", headers=app_auth),
        "rotate-app-token-other-app": http_event("POST", f"/apps/{APP_ID}/token", headers=other_auth),
        "rotate-signing-secret": http_event(
            "POST", f"/apps/{APP_ID}/signing-secret", headers=app_auth, body=json.dumps({"grace_seconds": 3600})
        ),
        "rotate-webhook-secret": http_event("POST", f"{repo}/webhook-secret", headers=app_auth),
        "github-ping": github_event("ping", ping_payload(), delivery="0a1b2c3d-0000-11e3-81ab-4c9367dc0958"),
        "github-issues-ignored": github_event(
            "issues",
            {"action": "opened", "repository": github_repository()},
            delivery="1b2c3d4e-0000-11e3-81ab-4c9367dc0958",
        ),
    }


def write_events(folder: Path = EVENTS) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, event in sample_events().items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_events():
        print(path.relative_to(ROOT), file=sys.stderr)
