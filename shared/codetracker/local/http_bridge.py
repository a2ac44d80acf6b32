"""HTTP on 127.0.0.1 → API Gateway HTTP API (payload format 2.0) events → the api handler, and its answer
back, with the contract API Gateway gives:

- the event: `rawPath`, `rawQueryString`, `queryStringParameters` (repeated names joined by commas),
  headers lowercased (repeated ones joined by commas), cookies in `cookies`, the raw body (text as is,
  anything else base64 with `isBase64Encoded`), `requestContext` with `requestId`, `time`, `timeEpoch`,
  `http.method/path/protocol/sourceIp/userAgent`, route and stage `$default`;
- a body over API Gateway's 10 MB payload limit is answered 413 without invoking the handler;
- the handler's answer: `statusCode`, `headers`, `cookies`, `body` (base64-decoded when `isBase64Encoded`); a
  handler that raises is a 500 `{"message":"Internal Server Error"}`; every answer carries `apigw-requestid`;
- every method goes to the handler (the `$default` route has them all; the api answers a method a path does
  not have with a 405 and `Allow`); a request HTTP cannot carry (bad request line, header too long) is answered
  as API Gateway answers: JSON `{"message": "<reason>"}`, never the standard library's HTML error page.

One instance handles one request at a time (a Lambda instance does), so the handler's module state is never
shared between concurrent requests; `codetracker dev` runs several instances on one listening socket.
"""

from __future__ import annotations

import base64
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from codetracker.local.lambda_context import LambdaContext, elapsed_ms, log_line
from codetracker.local.plan import LOCAL_ACCOUNT_ID, FunctionSpec

PAYLOAD_LIMIT = 10 * 1024 * 1024  # API Gateway HTTP API: 10 MB request payload
API_ID = "local"
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript",
               "application/x-www-form-urlencoded", "application/graphql")  # fmt: skip


def is_text(content_type: str | None) -> bool:
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    return kind.startswith(_TEXT_TYPES) or kind.endswith(("+json", "+xml"))


def request_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").rstrip("=")


def http_event(
    method: str,
    target: str,
    headers: list[tuple[str, str]],
    body: bytes,
    *,
    source_ip: str = "127.0.0.1",
    host: str = "127.0.0.1",
    now: datetime | None = None,
    request_id_: str | None = None,
) -> dict[str, Any]:
    """The payload-v2 event of one HTTP request (`target`: the request line's path and query)."""
    now = now or datetime.now(UTC)
    raw_path, _, raw_query = target.partition("?")
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    joined.setdefault("host", host)
    joined["x-forwarded-for"] = source_ip
    joined["x-forwarded-proto"] = "http"
    joined.setdefault("x-amzn-trace-id", f"Root=1-{int(now.timestamp()):08x}-{secrets.token_hex(12)}")
    rid = request_id_ or request_id()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path or "/",
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": LOCAL_ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": joined.get("host", host),
            "domainPrefix": joined.get("host", host).split(".")[0],
            "http": {
                "method": method.upper(),
                "path": raw_path or "/",
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": joined.get("user-agent", ""),
            },
            "requestId": rid,
            "routeKey": "$default",
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if raw_query:
        params: dict[str, str] = {}
        for name, value in parse_qsl(raw_query, keep_blank_values=True):
            params[name] = f"{params[name]},{value}" if name in params else value
        event["queryStringParameters"] = params
    if body:
        text = None
        if is_text(joined.get("content-type")):
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                text = None
        if text is None:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def http_answer(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """A handler's result → (status, headers, body), as API Gateway turns a payload-v2 answer into HTTP."""
    if not (isinstance(result, dict) and "statusCode" in result):
        # Payload v2: anything else is a 200 JSON body.
        text = result if isinstance(result, str) else json.dumps(result)
        return 200, [("content-type", "application/json")], text.encode("utf-8")
    status = int(result["statusCode"])
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(str(name), str(v)) for v in values]
    headers += [("set-cookie", str(c)) for c in result.get("cookies") or []]
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return status, headers, body


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}


_DRAIN_LIMIT = 64 * 1024 * 1024


class _PayloadTooLarge(Exception):
    pass


class ApiBridge:
    """Serves the handler of `function` on a listening socket until `shutdown()`."""

    def __init__(self, function: FunctionSpec, handler: Callable[[dict[str, Any], Any], Any],
                 listening: socket.socket, *, log: Callable[[str, str], None] = log_line) -> None:  # fmt: skip
        self.function = function
        self.handler = handler
        self.invocation = threading.Lock()  # one request at a time, as one Lambda instance
        self.current: tuple[BaseHTTPRequestHandler, str] | None = None  # the request being invoked, its id
        self.log = log
        bridge = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "codetracker-dev"
            sys_version = ""
            # An answer's headers and body are written apart: with Nagle's algorithm the body waits for the
            # client's delayed ACK, 40 ms of every request on a kept-alive connection.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass  # one line per request is logged by the bridge

            def _serve(self) -> None:
                bridge.serve(self)

            def __getattr__(self, name: str) -> Any:
                # The base class looks up `do_<METHOD>` and answers a missing one with a 501 HTML page.
                if name.startswith("do_"):
                    return self._serve
                raise AttributeError(name)

            def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
                bridge.refuse(self, code)

        self.server = ThreadingHTTPServer(listening.getsockname()[:2], Handler, bind_and_activate=False)
        self.server.socket.close()
        self.server.socket = listening
        self.server.daemon_threads = True

    def serve_forever(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        self.server.shutdown()

    def _read_body(self, request: BaseHTTPRequestHandler) -> bytes:
        length = request.headers.get("Content-Length")
        if request.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks, total = [], 0
            while True:
                size = int(request.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while request.rfile.readline().strip():
                        pass  # trailers
                    break
                total += size
                if total > PAYLOAD_LIMIT:
                    raise _PayloadTooLarge
                chunks.append(request.rfile.read(size))
                request.rfile.readline()
            return b"".join(chunks)
        if not length:
            return b""
        size = int(length)
        if size > PAYLOAD_LIMIT:
            # Read what was sent (up to a bound) so that the client, still sending, gets the 413 rather than a
            # reset connection.
            left = min(size, _DRAIN_LIMIT)
            while left > 0:
                chunk = request.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                left -= len(chunk)
            raise _PayloadTooLarge
        return request.rfile.read(size)

    def refuse(self, request: BaseHTTPRequestHandler, status: int) -> None:
        """An HTTP-level error, in API Gateway's JSON shape; the connection closes after it."""
        request.close_connection = True
        request.request_version = "HTTP/1.1"  # an unreadable request line counts as HTTP/0.9: no status line
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = "Error"
        self._send(request, status, [("content-type", "application/json")], json.dumps({"message": reason}).encode(),
                   request_id())  # fmt: skip
        self.log(self.function.logical_id, f"{status} {reason} (not a request the bridge can pass on)")

    def answer_timed_out(self) -> None:
        """API Gateway's answer to the request whose invocation outlasted the function's Timeout (the instance
        ends right after)."""
        current = self.current
        if current is not None:
            request, rid = current
            request.close_connection = True
            self._send(request, 500, [("content-type", "application/json")],
                       b'{"message":"Internal Server Error"}', rid)  # fmt: skip
            request.wfile.flush()

    def serve(self, request: BaseHTTPRequestHandler) -> None:
        start = time.monotonic()
        rid = request_id()
        method = request.command
        path = request.path.partition("?")[0]
        try:
            body = self._read_body(request)
        except _PayloadTooLarge:
            request.close_connection = True
            self._send(request, 413, [("content-type", "application/json")],
                       b'{"message":"Request Entity Too Large"}', rid)  # fmt: skip
            self.log(self.function.logical_id, f"{method} {path} → 413 over the 10 MB payload limit")
            return
        except ValueError:
            request.close_connection = True
            self._send(request, 400, [("content-type", "application/json")], b'{"message":"Bad Request"}', rid)
            return
        event = http_event(method, request.path, list(request.headers.items()), body,
                           source_ip=request.client_address[0], request_id_=rid)  # fmt: skip
        try:
            with self.invocation:
                self.current = (request, rid)
                try:
                    result = self.handler(event, LambdaContext(self.function))
                finally:
                    self.current = None
            status, headers, payload = http_answer(result)
        except Exception as err:  # noqa: BLE001 - API Gateway's answer to a failed invocation
            self.log(self.function.logical_id, f"{method} {path} → 500: the handler raised {type(err).__name__}: {err}")
            self._send(request, 500, [("content-type", "application/json")],
                       b'{"message":"Internal Server Error"}', rid)  # fmt: skip
            return
        self._send(request, status, headers, b"" if method == "HEAD" else payload, rid)
        self.log(self.function.logical_id, f"{method} {path} → {status} ({elapsed_ms(start)})")

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes,
              rid: str) -> None:  # fmt: skip
        try:
            request.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    request.send_header(name, value)
            request.send_header("Content-Length", str(len(body)))
            request.send_header("apigw-requestid", rid)
            if request.close_connection:
                request.send_header("Connection", "close")
            request.end_headers()
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            request.close_connection = True
