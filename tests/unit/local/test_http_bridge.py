"""HTTP request → API Gateway HTTP API (v2) event, and the handler's answer → HTTP."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from codetracker.local.http_bridge import http_answer, http_event


def test_the_event_has_api_gatewaysv2_shape():
    now = datetime(2026, 11, 1, 12, 0, 5, tzinfo=UTC)
    event = http_event(
        "post", "/repositories/abc/jobs?limit=5&tag=a&tag=b&empty=",
        [("Content-Type", "application/json"), ("X-Thing", "1"), ("x-thing", "2"), ("Cookie", "a=1; b=2"),
         ("User-Agent", "curl/8")],
        b'{"x": 1}', now=now, request_id_="RID",
    )  # fmt: skip
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/repositories/abc/jobs"
    assert event["rawQueryString"] == "limit=5&tag=a&tag=b&empty="
    assert event["queryStringParameters"] == {"limit": "5", "tag": "a,b", "empty": ""}
    assert event["headers"]["x-thing"] == "1,2" and "cookie" not in event["headers"]
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {"method": "POST", "path": "/repositories/abc/jobs", "protocol": "HTTP/1.1",
                               "sourceIp": "127.0.0.1", "userAgent": "curl/8"}  # fmt: skip
    assert context["requestId"] == "RID" and context["time"] == "01/Nov/2026:12:00:05 +0000"
    assert context["timeEpoch"] == int(now.timestamp() * 1000) and context["stage"] == "$default"
    assert "queryStringParameters" not in http_event("GET", "/health", [], b"")
    assert "body" not in http_event("GET", "/health", [], b"")


def test_binary_bodies_are_base64_encoded_and_raw_bytes_are_kept():
    raw = b"\xff\x00\x01payload"
    event = http_event("POST", "/x", [("content-type", "application/octet-stream")], raw)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == raw
    # A text type whose bytes are not UTF-8 is sent as base64 too (the raw body is never altered).
    event = http_event("POST", "/x", [("content-type", "application/json")], b"{\xff}")
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"{\xff}"
    # The webhook body goes through byte for byte: its signature is over these bytes.
    body = b'{"a":  1,\n "b": "\\u00e9"}'
    assert http_event("POST", "/webhooks/github", [("content-type", "application/json")], body)["body"].encode() == body


def test_answers_become_http():
    status, headers, body = http_answer({"statusCode": 201, "headers": {"Content-Type": "application/json"},
                                         "cookies": ["s=1"], "body": "{}", "isBase64Encoded": False})  # fmt: skip
    assert (status, body) == (201, b"{}") and ("set-cookie", "s=1") in headers
    status, _, body = http_answer({"statusCode": 200, "body": base64.b64encode(b"\x1f\x8b").decode(),
                                   "isBase64Encoded": True})  # fmt: skip
    assert body == b"\x1f\x8b"
    assert http_answer({"ok": True})[0] == 200 and http_answer({"ok": True})[2] == b'{"ok": true}'
