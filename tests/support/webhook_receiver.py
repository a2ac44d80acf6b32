"""A webhook receiver on 127.0.0.1 for the notifier's tests and benchmarks: answers each POST from a script
(status, headers, delay; the last entry repeats), records what arrived, and verifies each request with the
reference `standardwebhooks` package, as an app would.

    with WebhookReceiver(secret) as receiver:
        receiver.script = [Reply(500), Reply(200)]
        ...  receiver.url, receiver.requests, receiver.verified
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # before the status line
    body: bytes = b"ok"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    verified: bool
    error: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's spelling
        owner = self.server.owner
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        verified, error = owner.verify(body, headers)
        reply = owner.next_reply()
        owner.add(Received(self.path, headers, body, time.monotonic(), verified, error))
        if reply.delay_s:
            time.sleep(reply.delay_s)
        try:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a timeout test)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: WebhookReceiver) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _Handler)


class WebhookReceiver:
    def __init__(self, secret: str | None = None, *, script: list[Reply] | None = None) -> None:
        self.secret = secret
        self.script: list[Reply] = list(script or [Reply(200)])
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._served = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/hooks"

    def next_reply(self) -> Reply:
        with self._lock:
            reply = self.script[min(self._served, len(self.script) - 1)]
            self._served += 1
            return reply

    def add(self, received: Received) -> None:
        with self._lock:
            self.requests.append(received)

    def verify(self, body: bytes, headers: dict[str, str]) -> tuple[bool, str | None]:
        if self.secret is None:
            return False, "no secret"
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError as err:
            return False, str(err)
        return True, None

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.01)
        raise AssertionError(f"{len(self.requests)} webhook requests arrived, {count} expected")

    def __enter__(self) -> WebhookReceiver:
        self._server = _Server(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhook-receiver", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
