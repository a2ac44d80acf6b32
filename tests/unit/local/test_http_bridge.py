"""HTTP request → API Gateway HTTP API (v2) event, and the handler's answer → HTTP."""

from __future__ import annotations

import base64
import json
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path

from codetracker.local.http_bridge import ApiBridge, http_answer, http_event
from codetracker.local.plan import FunctionSpec


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


def _exchange(port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def test_every_answer_of_the_bridge_is_the_handlers_or_api_gateways_as_json():
    seen = []

    def handler(event, context):
        seen.append(event["requestContext"]["http"]["method"])
        return {"statusCode": 405, "headers": {"Content-Type": "application/json", "Allow": "GET"},
                "body": '{"error": {"code": "method_not_allowed"}}'}  # fmt: skip

    function = FunctionSpec("ApiFunction", Path("/nonexistent"), "app.lambda_handler", 29, 512, {})
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(8)
    bridge = ApiBridge(function, handler, listening, log=lambda *_: None)
    server = threading.Thread(target=bridge.serve_forever, daemon=True)
    server.start()
    port = listening.getsockname()[1]
    try:
        for method in ("TRACE", "CONNECT", "PROPFIND", "FOO"):
            status, headers, body = _exchange(port, f"{method} /health HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            assert (status, headers["allow"], json.loads(body)) == (
                405,
                "GET",
                {"error": {"code": "method_not_allowed"}},
            )
        assert seen == ["TRACE", "CONNECT", "PROPFIND", "FOO"]
        refused = {
            b"GARBAGE\r\n\r\n": 400,
            b"GET / HTTP/9.9\r\n\r\n": 505,
            b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n": 414,
            b"GET / HTTP/1.1\r\nX: " + b"a" * 70_000 + b"\r\n\r\n": 431,
        }
        for raw, expected in refused.items():
            status, headers, body = _exchange(port, raw)
            assert status == expected and headers["content-type"] == "application/json", (raw[:20], status)
            assert set(json.loads(body)) == {"message"} and headers["apigw-requestid"]
        assert len(seen) == 4
    finally:
        bridge.shutdown()
        listening.close()
        server.join(10)
