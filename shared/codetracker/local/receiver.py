"""A callback receiver on 127.0.0.1: what an app runs to get Codetracker's notifications (the demo, the
end-to-end tests, the load bench). It verifies each delivery's Standard Webhooks signature with the reference
`standardwebhooks` package and keeps what it received.

    with Receiver() as receiver:            # receiver.url: the callback URL
        receiver.secret = app["signing_secret"]
        receiver.fail_next(3, status=500)   # answer 500 to the next 3 deliveries, then 2xx
        receiver.wait_for(lambda d: d.job_id == job_id)
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Delivery:
    received_at: float  # time.monotonic()
    status: int  # what the receiver answered
    headers: dict[str, str]
    body: bytes
    verified: bool  # the signature is valid for the secret the receiver had
    payload: Any = None

    @property
    def webhook_id(self) -> str | None:
        return self.headers.get("webhook-id")

    @property
    def job_id(self) -> str | None:
        """The job a notification is about (`data.job.id`)."""
        data = self.payload.get("data") if isinstance(self.payload, dict) else None
        job = data.get("job") if isinstance(data, dict) else None
        return job.get("id") if isinstance(job, dict) else None


@dataclass
class Receiver:
    secret: str | None = None
    path: str = "/hooks/codetracker"
    deliveries: list[Delivery] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://{HOST}:{self._server.server_address[1]}{self.path}"

    def fail_next(self, count: int, *, status: int = 500) -> None:
        with self._changed:
            self._failures += [status] * count

    def down(self, status: int = 503) -> None:
        """Answer `status` to every delivery until `up()`."""
        with self._changed:
            self._failures = [status] * 1_000_000

    def up(self) -> None:
        with self._changed:
            self._failures = []

    def verify(self, headers: dict[str, str], body: bytes) -> bool:
        if not self.secret:
            return False
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError

        try:
            Webhook(self.secret).verify(body, headers)
        except WebhookVerificationError:
            return False
        return True

    def _answer(self, headers: dict[str, str], body: bytes) -> int:
        with self._changed:
            status = self._failures.pop(0) if self._failures else 204
            try:
                payload = json.loads(body)
            except ValueError:
                payload = None
            self.deliveries.append(Delivery(time.monotonic(), status, headers, body, self.verify(headers, body),
                                            payload))  # fmt: skip
            self._changed.notify_all()
        return status

    def delivered(self) -> list[Delivery]:
        """The deliveries answered 2xx."""
        with self._changed:
            return [d for d in self.deliveries if 200 <= d.status < 300]

    def wait_for(self, match: Callable[[Delivery], bool], *, timeout_s: float = 60.0, count: int = 1,
                 accepted_only: bool = True) -> list[Delivery]:  # fmt: skip
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                found = [d for d in self.deliveries if match(d) and (not accepted_only or 200 <= d.status < 300)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(found)} of {count} deliveries after {timeout_s:g} s "
                                       f"({len(self.deliveries)} received in all)")  # fmt: skip
                self._changed.wait(min(left, 0.5))

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are written apart: no delayed-ACK wait between

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver._answer(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((HOST, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
