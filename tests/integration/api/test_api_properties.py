"""Property tests from the OpenAPI document: for every route it lists, hypothesis builds requests from the
route's own parameters and body schemas (valid, mutated and arbitrary values, extra fields, valid / wrong /
missing tokens, signed and unsigned webhook bodies) and sends them through the handler against real Postgres
and moto SQS. Whatever the request, the answer is never a 5xx, is JSON, and every error is in the error shape."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codetracker.api.http import openapi_json
from tests.integration.api.conftest import seed
from tests.support import api_events as ev
from tests.support.api_events import http_event

SPEC = json.loads(openapi_json())
OPERATIONS = [(path, method) for path, item in SPEC["paths"].items() for method in item]
SCHEMAS = SPEC.get("components", {}).get("schemas", {})

scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "\x00",
            "https://github.com/o/r",
            "refs/tags/v1",
            "main",
            "ctk_x",
            "https://169.254.169.254/",
            "file:///etc",
            "a" * 300,
            "🦄",
        ]
    ),
)
any_json = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def from_schema(schema: dict, depth: int = 0) -> st.SearchStrategy:
    if "$ref" in schema:
        return from_schema(SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]], depth)
    if "anyOf" in schema:
        return st.one_of([from_schema(s, depth) for s in schema["anyOf"]])
    kind = schema.get("type")
    if kind == "object" and depth < 3:
        props = schema.get("properties", {})
        required = set(schema.get("required", []))
        fields = {name: from_schema(sub, depth + 1) for name, sub in props.items()}
        return st.fixed_dictionaries(
            {k: v for k, v in fields.items() if k in required},
            optional={**{k: v for k, v in fields.items() if k not in required}, "unexpected": any_json},
        )
    if kind == "string":
        return st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "https://github.com/octo-org/hello-js",
                    "main",
                    "v1.0.0",
                    "HEAD",
                    "refs/heads/dev",
                    "a..b",
                    "https://10.0.0.1/x",
                ]
            ),
        )
    if kind == "integer":
        return st.integers(min_value=-5, max_value=5000)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return any_json


def _param_value(param: dict) -> st.SearchStrategy:
    if param["in"] == "path":
        return st.one_of(
            st.sampled_from(
                [ev.REPOSITORY_ID, ev.JOB_ID, str(ev.SNAPSHOT_ID), ev.REPOSITORY_ID.upper(), ev.APP_ID, ev.OTHER_APP_ID]
            ),
            st.uuids().map(str),
            st.text(alphabet=string.printable.strip(), min_size=1, max_size=20),
        )
    return st.one_of(
        from_schema(param.get("schema", {})).map(lambda v: v if isinstance(v, str) else json.dumps(v)),
        st.text(max_size=10),
    )


@st.composite
def requests(draw):
    path, method = draw(st.sampled_from(OPERATIONS))
    operation = SPEC["paths"][path][method]
    concrete = path
    query = {}
    for param in operation.get("parameters", []):
        if param["in"] == "path":
            value = draw(_param_value(param))
            concrete = concrete.replace("{" + param["name"] + "}", re.sub(r"[/?#\s]", "-", value) or "x")
        elif param["in"] == "query" and draw(st.booleans()):
            query[param["name"]] = draw(_param_value(param))
    body = None
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    webhook = path.startswith("/webhooks/github")
    if content is not None or webhook:
        schema = content["schema"] if content else {}
        choice = draw(st.sampled_from(["schema", "schema", "any", "text", "none"]))
        if choice == "schema":
            body = json.dumps(draw(from_schema(schema)))
        elif choice == "any":
            body = json.dumps(draw(any_json))
        elif choice == "text":
            body = draw(st.text(max_size=50))
    token = draw(st.sampled_from([ev.APP_TOKEN, ev.OTHER_APP_TOKEN, ev.ADMIN_TOKEN, "ctk_wrong", None]))
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if webhook:
        raw = (body or "").encode("utf-8", "surrogatepass")
        secret = ev.WEBHOOK_SECRET if path == "/webhooks/github" else ev.REGISTRATION_WEBHOOK_SECRET
        headers["x-github-event"] = draw(st.sampled_from(["push", "create", "delete", "release", "ping", "star", ""]))
        headers["x-github-delivery"] = draw(st.sampled_from(["d-1", "d-2", "", "x" * 300]))
        if draw(st.booleans()):
            headers["x-hub-signature-256"] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if body is not None:
        headers["content-type"] = draw(
            st.sampled_from(
                ["application/json", "text/plain", "multipart/form-data", "application/x-www-form-urlencoded"]
            )
        )
    return http_event(method.upper(), concrete, body=body, headers=headers, query=query or None)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(event=requests())
def test_no_request_gets_a_5xx_or_a_body_out_of_shape(api_seeded, event):
    answer = api_seeded.call(event)
    assert answer.status < 500, (event["requestContext"]["http"], event.get("body"), answer.text[:300])
    body = answer.json
    if answer.status >= 400:
        assert set(body) == {"error"} and isinstance(body["error"]["code"], str) and body["error"]["message"]
        assert set(body["error"]) <= {"code", "message", "field"}


def test_every_route_is_covered():
    assert set(OPERATIONS) == {
        ("/apps", "post"),
        ("/repositories", "post"),
        ("/repositories", "get"),
        ("/repositories/{repository_id}", "get"),
        ("/repositories/{repository_id}", "patch"),
        ("/repositories/{repository_id}", "delete"),
        ("/repositories/{repository_id}/scans", "post"),
        ("/jobs/{job_id}", "get"),
        ("/repositories/{repository_id}/jobs", "get"),
        ("/repositories/{repository_id}/snapshots", "get"),
        ("/snapshots/{snapshot_id}", "get"),
        ("/repositories/{repository_id}/activity", "get"),
        ("/webhooks/github", "post"),
        ("/webhooks/github/{registration_id}", "post"),
        ("/apps/{app_id}/token", "post"),
        ("/apps/{app_id}/signing-secret", "post"),
        ("/repositories/{repository_id}/webhook-secret", "post"),
        ("/health", "get"),
    }
    # Every documented error status has the error body as its model.
    for path, method in OPERATIONS:
        for status, response in SPEC["paths"][path][method]["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"
                }, (path, method, status)


import pytest  # noqa: E402


@pytest.fixture
def api_seeded(api):
    seed(api)
    return api
