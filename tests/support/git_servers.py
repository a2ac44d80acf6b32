"""Git servers on 127.0.0.1 for tests and benchmarks: context managers that start on a free port and stop
every thread and process they started.

    with GitHttpBackendServer(root, token="s3cret") as server:   # `git http-backend` (protocol v2, filters)
        fetch(server.url("sample.git"))
        server.requests                                           # what the clients asked for
    with DulwichHttpServer(root) as server: ...                   # dulwich.web (v0/v1, no filters)
    with GitDaemon(root) as daemon: ...                           # `git daemon`, git://
    with HangingServer() as hang: ...                             # accepts, never answers
    with StatusHttpServer(500) as broken: ...                     # answers every request with one status
    port = closed_port()                                          # nothing listens there

`root` is a folder holding bare repositories (see tests.support.git_repos). The servers are independent of
pytest. They need the git CLI only for GitHttpBackendServer and GitDaemon.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import IO
from urllib.parse import unquote, urlsplit
from wsgiref.simple_server import WSGIServer

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
_CHUNK = 64 * 1024

# Server-side git settings that make a `git upload-pack` behave like GitHub's: protocol v2 with
# `fetch=... filter`, and wants by object id (for fetching single blobs after a blob:none fetch).
FILTER_CONFIG: Mapping[str, str] = {
    "uploadpack.allowFilter": "true",
    "uploadpack.allowAnySHA1InWant": "true",
}


def git_executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise RuntimeError("the git CLI is required for this server")
    return found


def _isolated_git_env(config: Mapping[str, str]) -> dict[str, str]:
    """Environment for a git server process: no user or system config, settings passed explicitly."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
    }
    for index, (key, value) in enumerate(config.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env["GIT_CONFIG_COUNT"] = str(len(config))
    return env


def _stop_process_group(process: subprocess.Popen) -> None:
    """Kill a process started with start_new_session=True and everything it started, and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait()


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _wait_until_listening(port: int, process: subprocess.Popen | None, deadline_seconds: float) -> None:
    deadline = time.monotonic() + deadline_seconds
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with status {process.returncode} before listening")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {HOST}:{port}") from None
            time.sleep(0.02)


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP request a test server answered. Credentials are never recorded, only whether they matched."""

    method: str
    path: str
    query: str
    status: int
    response_bytes: int  # body bytes sent (pack data included)
    git_protocol: str | None  # the Git-Protocol header ("version=2")
    authenticated: bool
    git_command: str | None = None  # POST to git-upload-pack: "ls-refs" or "fetch" (v0 POSTs are fetches)


def _git_command(body_start: bytes) -> str:
    """The command of an upload-pack request body: protocol v2 names it in its first pkt-line."""
    if body_start[4:].startswith(b"command="):
        return body_start[12:].split(b"\n", 1)[0].decode("ascii", "replace")
    return "fetch"


def _without_filter_lines(body: bytes) -> bytes:
    """Drop `filter ...` pkt-lines from an upload-pack request (a server that ignores filters)."""
    out = []
    position = 0
    while position + 4 <= len(body):
        length = int(body[position : position + 4], 16)
        if length < 4:  # flush / delim / response-end packets are just their 4 bytes
            out.append(body[position : position + 4])
            position += 4
            continue
        packet = body[position : position + length]
        if not packet[4:].startswith(b"filter "):
            out.append(packet)
        position += length
    out.append(body[position:])
    return b"".join(out)


class _RequestLog:
    """Records of answered requests. A client may finish reading before the server thread has recorded
    its request, so `snapshot` waits (briefly) for requests in flight."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RequestRecord] = []
        self._in_flight = 0

    def begin(self) -> None:
        with self._lock:
            self._in_flight += 1

    def end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._lock.notify_all()

    def add(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            self._lock.wait_for(lambda: self._in_flight == 0, timeout=5)
            return list(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


class _ThreadedHttpServer:
    """Runs an http.server-style server in a thread; subclasses provide the server object."""

    def __init__(self) -> None:
        self._log = _RequestLog()
        self._server: ThreadingHTTPServer | WSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _make_server(self) -> ThreadingHTTPServer | WSGIServer:
        raise NotImplementedError

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def url(self, repository: str) -> str:
        return f"{self.base_url}/{repository}"

    @property
    def requests(self) -> list[RequestRecord]:
        return self._log.snapshot()

    def clear_requests(self) -> None:
        self._log.clear()

    def __enter__(self):
        self._server = self._make_server()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None


# --- git http-backend -----------------------------------------------------------------------------------


def _check_basic_auth(header: str | None, username: str | None, token: str) -> bool:
    if not header or not header.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(header[len("Basic ") :], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, _, given_password = decoded.partition(":")
    if username is not None:
        return hmac.compare_digest(given_user.encode(), username.encode()) and hmac.compare_digest(
            given_password.encode(), token.encode()
        )
    # like GitHub: the token as password (any user name), or as user name with an empty password
    return hmac.compare_digest(given_password.encode(), token.encode()) or (
        not given_password and hmac.compare_digest(given_user.encode(), token.encode())
    )


class _BackendHandler(BaseHTTPRequestHandler):
    server: _BackendHttpServer
    protocol_version = "HTTP/1.0"  # one request per connection; the body ends when the connection closes

    def log_message(self, format: str, *args: object) -> None:
        log.debug("http-backend: " + format, *args)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        self.server.owner._log.begin()
        try:
            self._serve_logged()
        finally:
            self.server.owner._log.end()

    def _serve_logged(self) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        authenticated = True
        if owner.token is not None:
            authenticated = _check_basic_auth(self.headers.get("Authorization"), owner.username, owner.token)
        if not authenticated:
            self._drain_body()
            body = b"authentication required\n"
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self._record(split, 401, len(body), authenticated)
            return
        status, sent = self._run_backend(split)
        self._record(split, status, sent, authenticated)

    def _record(self, split, status: int, sent: int, authenticated: bool) -> None:
        command = None
        if self.command == "POST" and split.path.endswith("/git-upload-pack"):
            command = _git_command(getattr(self, "_body_start", b""))
        self.server.owner._log.add(
            RequestRecord(
                method=self.command,
                path=unquote(split.path),
                query=split.query,
                status=status,
                response_bytes=sent,
                git_protocol=self.headers.get("Git-Protocol"),
                authenticated=authenticated,
                git_command=command,
            )
        )

    def _drain_body(self) -> None:
        for _chunk in self._body_chunks():
            pass

    def _body_chunks(self):
        chunks = self._raw_body_chunks()
        if self.server.owner.drop_filter_requests:
            chunks = iter([_without_filter_lines(b"".join(chunks))])
        for chunk in chunks:
            if not hasattr(self, "_body_start"):
                self._body_start = chunk[:64]
            yield chunk

    def _raw_body_chunks(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                yield self.rfile.read(size)
                self.rfile.readline()  # CRLF after each chunk
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, _CHUNK))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk

    def _cgi_environment(self, split) -> dict[str, str]:
        owner = self.server.owner
        env = _isolated_git_env(owner.git_config)
        env.update(
            {
                "GIT_PROJECT_ROOT": str(owner.root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "GATEWAY_INTERFACE": "CGI/1.1",
                "SERVER_PROTOCOL": "HTTP/1.0",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": unquote(split.path),
                "QUERY_STRING": split.query,
                "REMOTE_ADDR": self.client_address[0],
            }
        )
        if self.headers.get("Content-Type"):
            env["CONTENT_TYPE"] = self.headers["Content-Type"]
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "")
        if self.headers.get("Content-Length") and not chunked and not owner.drop_filter_requests:
            env["CONTENT_LENGTH"] = self.headers["Content-Length"]
        if self.headers.get("Content-Encoding"):
            env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        if owner.token is not None:
            env["REMOTE_USER"] = owner.username or "token"
        return env

    def _run_backend(self, split) -> tuple[int, int]:
        owner = self.server.owner
        process = subprocess.Popen(
            [git_executable(), "http-backend"],
            env=self._cgi_environment(split),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # own process group: upload-pack and pack-objects stop with it
        )
        owner._track(process)
        sent = 0
        status = 502
        try:
            writer = threading.Thread(target=self._feed_body, args=(process.stdin,), daemon=True)
            errors = threading.Thread(target=owner._collect_stderr, args=(process.stderr,), daemon=True)
            writer.start()
            errors.start()
            status, headers = self._read_cgi_headers(process.stdout)
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            while chunk := process.stdout.read1(_CHUNK):
                self.wfile.write(chunk)
                sent += len(chunk)
            process.wait(timeout=30)
            writer.join(timeout=10)
            errors.join(timeout=10)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("http-backend: the client went away after %d bytes", sent)
            self.close_connection = True
        finally:
            _stop_process_group(process)
            process.stdout.close()
            owner._untrack(process)
        return status, sent

    def _feed_body(self, stdin: IO[bytes]) -> None:
        try:
            for chunk in self._body_chunks():
                stdin.write(chunk)
        except (BrokenPipeError, OSError):
            pass  # the backend stopped reading (it answered already, e.g. with an error)
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    @staticmethod
    def _read_cgi_headers(stdout: IO[bytes]) -> tuple[int, list[tuple[str, str]]]:
        status = 200
        headers: list[tuple[str, str]] = []
        while True:
            line = stdout.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").rstrip("\r\n").partition(":")
            value = value.strip()
            if name.lower() == "status":
                status = int(value.split()[0])
            else:
                headers.append((name, value))
        return status, headers


class _BackendHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: GitHttpBackendServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _BackendHandler)


class GitHttpBackendServer(_ThreadedHttpServer):
    """`git http-backend` (smart HTTP, protocol v2) behind a threaded Python HTTP server.

    token: when given, every request needs HTTP Basic auth with this password (and `username`, if given).
    allow_filter: serve `blob:none` partial fetches and wants by object id (like GitHub), or not.
    drop_filter_requests: advertise filters but silently drop the client's `filter` lines (a server that
        ignores the filter it advertised).
    """

    def __init__(
        self,
        root: Path,
        *,
        token: str | None = None,
        username: str | None = None,
        allow_filter: bool = True,
        drop_filter_requests: bool = False,
        git_config: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.root = Path(root).resolve()
        self.drop_filter_requests = drop_filter_requests
        self.token = token
        self.username = username
        self.git_config = dict(FILTER_CONFIG if allow_filter else {})
        self.git_config.update(git_config or {})
        self.stderr_lines: list[str] = []
        self._processes: set[subprocess.Popen] = set()
        self._processes_lock = threading.Lock()

    def _make_server(self) -> ThreadingHTTPServer:
        git_executable()
        return _BackendHttpServer(self)

    def _track(self, process: subprocess.Popen) -> None:
        with self._processes_lock:
            self._processes.add(process)

    def _untrack(self, process: subprocess.Popen) -> None:
        with self._processes_lock:
            self._processes.discard(process)

    def _collect_stderr(self, stderr: IO[bytes]) -> None:
        with stderr:
            for line in stderr:
                text = line.decode("utf-8", "replace").rstrip()
                self.stderr_lines.append(text)
                log.debug("http-backend stderr: %s", text)

    def __exit__(self, *exc_info: object) -> None:
        with self._processes_lock:
            running = list(self._processes)
        for process in running:
            _stop_process_group(process)
        super().__exit__(*exc_info)


# --- dulwich's own HTTP server ----------------------------------------------------------------------------


def _dulwich_server_classes() -> tuple[type, type]:
    """dulwich.web's handler and server route errors to logging (not stderr); made threaded here."""
    from dulwich.web import WSGIRequestHandlerLogger, WSGIServerLogger

    class QuietRequestHandler(WSGIRequestHandlerLogger):
        def log_message(self, format: str, *args: object) -> None:
            log.debug("dulwich.web: " + format, *args)

    class ThreadingServer(ThreadingMixIn, WSGIServerLogger):
        daemon_threads = True
        allow_reuse_address = True

    return QuietRequestHandler, ThreadingServer


class _FolderBackend:
    """A dulwich server backend serving the bare repositories directly under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._repos: dict[Path, object] = {}
        self._lock = threading.Lock()

    def open_repository(self, path: str | bytes):
        from dulwich.errors import NotGitRepository
        from dulwich.repo import Repo

        text = os.fsdecode(path).strip("/")
        candidate = (self.root / text).resolve()
        if not text or candidate.parent != self.root or not candidate.is_dir():
            raise NotGitRepository(f"no repository {text!r}")
        with self._lock:
            if candidate not in self._repos:
                self._repos[candidate] = Repo(str(candidate))
            return self._repos[candidate]

    def close(self) -> None:
        with self._lock:
            for repo in self._repos.values():
                repo.close()
            self._repos.clear()


class DulwichHttpServer(_ThreadedHttpServer):
    """dulwich.web smart HTTP (protocol v0/v1): ignores object filters, so clients must fall back."""

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.backend = _FolderBackend(root)

    def _make_server(self) -> WSGIServer:
        from wsgiref.simple_server import make_server

        from dulwich.web import make_wsgi_chain

        app = make_wsgi_chain(self.backend)
        request_log = self._log

        def logged_app(environ, start_response):
            seen: dict[str, int] = {}

            def recording_start_response(status, headers, exc_info=None):
                seen["status"] = int(status.split()[0])
                return start_response(status, headers, exc_info)

            sent = 0
            request_log.begin()
            try:
                for chunk in app(environ, recording_start_response):
                    sent += len(chunk)
                    yield chunk
            finally:
                is_fetch = environ["REQUEST_METHOD"] == "POST" and environ.get("PATH_INFO", "").endswith(
                    "/git-upload-pack"
                )
                request_log.add(
                    RequestRecord(
                        git_command="fetch" if is_fetch else None,  # dulwich.web speaks v0/v1 only
                        method=environ["REQUEST_METHOD"],
                        path=environ.get("PATH_INFO", ""),
                        query=environ.get("QUERY_STRING", ""),
                        status=seen.get("status", 0),
                        response_bytes=sent,
                        git_protocol=environ.get("HTTP_GIT_PROTOCOL"),
                        authenticated=True,
                    )
                )
                request_log.end()

        handler_class, server_class = _dulwich_server_classes()
        return make_server(HOST, 0, logged_app, server_class=server_class, handler_class=handler_class)

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        self.backend.close()


# --- fixed-status HTTP server -----------------------------------------------------------------------------


class _StatusHandler(BaseHTTPRequestHandler):
    server: _StatusHttpServerImpl

    def log_message(self, format: str, *args: object) -> None:
        log.debug("status server: " + format, *args)

    def _answer(self) -> None:
        owner = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = owner.body
        split = urlsplit(self.path)
        owner._log.add(  # before answering, so the client never sees an answer without its record
            RequestRecord(
                self.command,
                unquote(split.path),
                split.query,
                owner.status,
                len(body),
                self.headers.get("Git-Protocol"),
                True,
            )
        )
        self.send_response(owner.status)
        self.send_header("Content-Type", owner.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = _answer
    do_POST = _answer


class _StatusHttpServerImpl(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: StatusHttpServer) -> None:
        self.owner = owner
        super().__init__((HOST, 0), _StatusHandler)


class StatusHttpServer(_ThreadedHttpServer):
    """Answers every request with the same status (500, 503, 403, 200 with HTML...)."""

    def __init__(self, status: int = 500, *, body: bytes = b"server error\n", content_type: str = "text/plain") -> None:
        super().__init__()
        self.status = status
        self.body = body
        self.content_type = content_type

    def _make_server(self) -> ThreadingHTTPServer:
        return _StatusHttpServerImpl(self)


# --- git daemon -------------------------------------------------------------------------------------------


class GitDaemon:
    """`git daemon` serving every repository under `root` on git://127.0.0.1:<port>/<name>."""

    def __init__(
        self,
        root: Path,
        *,
        allow_filter: bool = True,
        informative_errors: bool = False,
        git_config: Mapping[str, str] | None = None,
    ) -> None:
        self.root = Path(root).resolve()
        self.informative_errors = informative_errors
        self.git_config = dict(FILTER_CONFIG if allow_filter else {})
        self.git_config.update(git_config or {})
        self.port = 0
        self._process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"git://{HOST}:{self.port}"

    def url(self, repository: str) -> str:
        return f"{self.base_url}/{repository}"

    def __enter__(self) -> GitDaemon:
        last_error: Exception | None = None
        for _attempt in range(5):  # the free port may be taken between probing and binding
            self.port = closed_port()
            command = [
                git_executable(),
                "daemon",
                "--reuseaddr",
                "--export-all",
                f"--base-path={self.root}",
                f"--listen={HOST}",
                f"--port={self.port}",
                "--enable=upload-pack",
            ]
            if self.informative_errors:
                command.append("--informative-errors")
            command.append(str(self.root))
            self._process = subprocess.Popen(
                command,
                env=_isolated_git_env(self.git_config),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,  # own process group: __exit__ stops the per-connection children too
            )
            try:
                _wait_until_listening(self.port, self._process, deadline_seconds=10)
                return self
            except RuntimeError as error:
                last_error = error
                self._stop()
        raise RuntimeError("git daemon did not start") from last_error

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=5)
                break
            except subprocess.TimeoutExpired:
                continue
        if process.poll() is None:
            process.wait()

    def __exit__(self, *exc_info: object) -> None:
        self._stop()


# --- a server that never answers --------------------------------------------------------------------------


class HangingServer:
    """A TCP port on 127.0.0.1 that never sends a byte (for timeout tests, any protocol).

    accept_connections=True: connections are accepted and held open; requests are never answered (read
    timeout). False: the listen queue is kept full, so new connections never complete (connect timeout;
    Linux drops the SYNs of a full queue).
    """

    def __init__(self, *, accept_connections: bool = True) -> None:
        self.accept_connections = accept_connections
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._connections: list[socket.socket] = []
        self._stopping = threading.Event()
        self.port = 0

    @property
    def accepted(self) -> int:
        return len(self._connections) if self.accept_connections else 0

    def http_url(self, repository: str = "repo.git") -> str:
        return f"http://{HOST}:{self.port}/{repository}"

    def git_url(self, repository: str = "repo.git") -> str:
        return f"git://{HOST}:{self.port}/{repository}"

    def __enter__(self) -> HangingServer:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        self._listener = listener
        self.port = listener.getsockname()[1]
        if not self.accept_connections:
            listener.listen(0)
            filler = socket.create_connection((HOST, self.port), timeout=5)  # takes the only queue slot
            self._connections.append(filler)
            return self
        listener.listen(16)
        listener.settimeout(0.05)
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._connections.append(connection)  # held open, never read nor written

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._listener is not None:
            self._listener.close()
        for connection in self._connections:
            connection.close()
        self._connections.clear()


class DripProxy:
    """A TCP proxy on 127.0.0.1 that passes the server's answer on in small pieces: every read is answered
    within the socket timeout, so only a deadline on the whole fetch can stop it."""

    def __init__(self, upstream_port: int, chunk: int = 4096, pause: float = 0.05) -> None:
        self.upstream_port, self.chunk, self.pause = upstream_port, chunk, pause
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            for source, sink, slow in ((client, upstream, False), (upstream, client, True)):
                thread = threading.Thread(target=self._pipe, args=(source, sink, slow), daemon=True)
                thread.start()
                self.threads.append(thread)

    def _pipe(self, source, sink, slow: bool) -> None:
        try:
            while not self.stopping.is_set():
                data = source.recv(self.chunk)
                if not data:
                    break
                sink.sendall(data)
                if slow:
                    time.sleep(self.pause)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.close()
                except OSError:
                    pass

    def __enter__(self) -> DripProxy:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stopping.set()
        self.listener.close()
        for thread in self.threads:
            thread.join(timeout=5)
