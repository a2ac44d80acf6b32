"""Servers for the address-policy tests (issue 17): an HTTP server whose answers a test scripts (redirects,
statuses) on any loopback address, and `git http-backend` on any loopback address (127.0.0.2: a "private"
target). Both record what they were asked, so a test can show a refused target got nothing, and both speak
TLS when given a server context (tests.support.tls).

    with ScriptedServer(lambda method, target: (302, {"Location": "..."}, b"")) as hop:   # 127.0.0.1
    with ScriptedServer(status_answer(404), host="127.0.0.2") as target: ...
    with GitBackendAt("127.0.0.2", root) as private: ...
    with GitBackendAt("127.0.0.1", root, tls=authority.server_context()) as secure: ...
"""

from __future__ import annotations

import logging
import ssl
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.git_servers import GitHttpBackendServer, _BackendHandler, _BackendHttpServer

log = logging.getLogger(__name__)

# (method, request target "/path?query") → (status, headers, body)
Answer = Callable[[str, str], tuple[int, Mapping[str, str], bytes]]


def status_answer(status: int, body: bytes = b"answer\n") -> Answer:
    """Every request answered with `status` (a non-git target: 200, 404, 500)."""
    return lambda _method, _target: (status, {"Content-Type": "text/plain"}, body)


class _ScriptedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("scripted server: " + format, *args)

    def _answer(self) -> None:
        owner: ScriptedServer = self.server.owner  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with owner._lock:
            owner.requests.append((self.command, self.path))
        status, headers, body = owner.answer(self.command, self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


class ScriptedServer:
    """Answers each request as `answer` says; `requests` lists (method, target) in arrival order."""

    def __init__(self, answer: Answer, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self.host = host
        self.tls = tls
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    def __enter__(self) -> ScriptedServer:
        self._server = ThreadingHTTPServer((self.host, 0), _ScriptedHandler)
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._server.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None


class _BackendAtHost(_BackendHttpServer):
    def __init__(self, owner: GitHttpBackendServer, host: str, tls: ssl.SSLContext | None) -> None:
        self.owner = owner
        ThreadingHTTPServer.__init__(self, (host, 0), _BackendHandler)
        if tls is not None:  # a failed handshake is an OSError in accept(), which the server skips
            self.socket = tls.wrap_socket(self.socket, server_side=True)


class GitBackendAt(GitHttpBackendServer):
    """`git http-backend` listening on `host`, over TLS when `tls` is given."""

    def __init__(self, host: str, root: Path, *, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(root)
        self.host = host
        self.tls = tls

    def _make_server(self) -> ThreadingHTTPServer:
        return _BackendAtHost(self, self.host, self.tls)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{self.port}"
