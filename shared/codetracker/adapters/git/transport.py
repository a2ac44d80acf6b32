"""dulwich clients with timeouts and typed HTTP statuses, and the urllib3 pool behind the HTTP one.

Timeouts: connect and read timeouts from FetchLimits on every socket (dulwich has none by default).
urllib3 does not retry; retrying is the caller's decision, taken from the error type.

Redirects: urllib3 follows none; the HTTP client follows those redirects.py admits, and each hop is connected
like the first URL, so its host is resolved and checked again.

Address policy (the service; the CLI and local runtime pass none): connections resolve the host through the
policy's resolver, refuse it unless every address is admitted, and connect to a checked address, never to the
name (DNS rebinding); TLS still sends the host name (SNI) and checks the certificate against it. No proxy from
the environment is used then: a proxy would connect to a name we did not check.

Every socket a fetch opens is handed to an `on_socket` callback as soon as it connects (the git:// client's
own `_connect`, urllib3 connections through watched connection pools), so the session's deadline watchdog
can shut it down even while a packet or the HTTP headers trickle in.

The overridden dulwich methods are private API (`_http_request`, `_connect`, `_warn_filter_objects`); their
signatures are pinned by tests/integration/git/test_git_dulwich_api.py, and pyproject.toml allows only the
dulwich minor versions that test passed on.
"""

from __future__ import annotations

import functools
import select
import socket
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from codetracker.adapters.git.errors import HttpStatus, NotSmartHttp
from codetracker.adapters.git.redirects import REDIRECT_STATUSES, redirect_target, shown_url
from codetracker.errors import AddressRefused, HostUnreachable, UrlRefused
from codetracker.ports.git import FetchLimits
from codetracker.ports.network import AddressPolicy

__all__ = ["NoHaves", "client_classes", "http_pool_manager"]


@functools.cache
def client_classes() -> tuple[type, type]:
    """Subclasses of dulwich's clients, defined on first use so importing this module stays cheap."""
    from dulwich.client import TCPGitClient, Urllib3HttpGitClient
    from dulwich.protocol import Protocol

    class HttpClient(Urllib3HttpGitClient):
        address_policy: AddressPolicy | None = None  # set by the session: which redirect schemes are followed

        @staticmethod
        def _warn_filter_objects() -> None:
            """Servers without filters are expected; the fetch notices the blobs in the pack."""

        def _http_request(self, url: str, headers: Any = None, data: Any = None, raise_for_status: bool = True):
            first, hops = url, 0
            while True:
                try:
                    response, read = super()._http_request(url, headers, data, raise_for_status=False)
                except AddressRefused as refused:
                    if hops == 0:
                        raise
                    raise AddressRefused(f"a redirect led to {shown_url(url)}, whose {refused}") from None
                if response.status not in REDIRECT_STATUSES:
                    break
                location = response.headers.get("Location")
                response.close()
                hops += 1
                url = redirect_target(url, location, posting=data is not None, hops=hops, policy=self.address_policy)
            response.redirect_location = url if url != first else ""  # dulwich rebases later requests on it
            if raise_for_status and response.status != 200:
                status = response.status
                response.close()
                raise HttpStatus(status)
            content_type = response.headers.get("Content-Type") or ""
            # our own ref-discovery request (the URL dulwich built), not a server message
            if "/info/refs" in url and not content_type.startswith("application/x-git-"):
                response.close()
                raise NotSmartHttp()  # dulwich would fall back to the dumb protocol and fetch everything
            return response, read

    class TcpClient(TCPGitClient):
        def __init__(self, host: str, port: int | None, *, connect_timeout: float, read_timeout: float) -> None:
            super().__init__(host, port)
            self._connect_timeout = connect_timeout
            self._read_timeout = read_timeout
            self._open_protocols: list[Protocol] = []
            self.on_socket: Callable[[socket.socket], None] | None = None  # the session's deadline watch

        def fetch_pack(self, *args: Any, **kwargs: Any) -> Any:
            # dulwich leaves the connection open when the server hangs up or times out before the ref
            # advertisement; close every connection this fetch opened (closing twice is harmless).
            try:
                return super().fetch_pack(*args, **kwargs)
            finally:
                opened, self._open_protocols = self._open_protocols, []
                for proto in opened:
                    proto.close()

        @staticmethod
        def _warn_filter_objects() -> None:
            """Servers without filters are expected; the fetch notices the blobs in the pack."""

        def _connect(self, cmd: bytes, path: str | bytes, protocol_version: int | None = None):
            # dulwich's own _connect opens a socket without any timeout; this one has both.
            if isinstance(path, str):
                path = path.encode(self._remote_path_encoding)
            sock = socket.create_connection((self._host, self._port), timeout=self._connect_timeout)
            sock.settimeout(self._read_timeout)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.on_socket is not None:
                self.on_socket(sock)
            reader = sock.makefile("rb", -1)
            writer = sock.makefile("wb", 0)

            def close() -> None:
                reader.close()
                writer.close()
                sock.close()

            def shutdown_write() -> None:
                writer.flush()
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_WR)

            def can_read() -> bool:
                return bool(select.select([sock], [], [], 0)[0])

            proto = Protocol(
                reader.read, writer.write, close, report_activity=self._report_activity, shutdown_write=shutdown_write
            )
            self._open_protocols.append(proto)
            if path.startswith(b"/~"):
                path = path[1:]
            self.protocol_version = (protocol_version or 2) if cmd == b"upload-pack" else 0
            # the version request hides behind two NULs, where old servers ignore it
            extra = b"\0\0version=2\0" if cmd == b"upload-pack" and self.protocol_version == 2 else b""
            host = self._host.encode("ascii") if self._host.isascii() else self._host.encode("idna")
            proto.send_cmd(b"git-" + cmd, path, b"host=" + host + extra)
            return proto, can_read, None

    return HttpClient, TcpClient


def _pinned_socket(connection: Any, policy: AddressPolicy) -> socket.socket:
    """A socket to an address of the connection's host that the policy checked; the name is not resolved
    again by anything else (DNS rebinding). urllib3's own errors for what is not the policy's refusal."""
    from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
    from urllib3.util.connection import create_connection

    host = connection.host  # the name without a trailing dot, as the URL policy resolved it
    try:
        addresses = policy.resolver.addresses(host, connection.port)
    except UrlRefused:
        raise HostUnreachable(f"host {host} does not resolve") from None
    for address in addresses:
        reason = policy.refused_reason(address)
        if reason is not None:
            raise AddressRefused(f"host {host} resolves to {address}, which {reason}; nothing was sent there")
    failure: OSError | None = None
    for address in addresses:
        try:
            return create_connection(
                (address, connection.port),
                connection.timeout,
                source_address=connection.source_address,
                socket_options=connection.socket_options,
            )
        except TimeoutError as error:
            raise ConnectTimeoutError(connection, f"connecting to {host} timed out") from error
        except OSError as error:
            failure = error
    raise NewConnectionError(connection, f"cannot connect to {host}: {failure}")


def _watched_pool_classes(
    on_socket: Callable[[socket.socket], None] | None, policy: AddressPolicy | None
) -> dict[str, type]:
    """urllib3 connection pools whose connections go only to addresses `policy` checked (when given) and
    hand their socket to `on_socket` as soon as they connect: the fetch deadline can then cut a response off
    even while its headers trickle in."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched:
        def _new_conn(self) -> socket.socket:
            return super()._new_conn() if policy is None else _pinned_socket(self, policy)  # type: ignore[misc]

        def connect(self) -> None:
            super().connect()  # type: ignore[misc]  # TLS (on the pinned socket) sends and checks the host name
            if on_socket is not None:
                on_socket(self.sock)  # type: ignore[attr-defined]

    class WatchedHTTPConnection(Watched, HTTPConnection):
        pass

    class WatchedHTTPSConnection(Watched, HTTPSConnection):
        pass

    class WatchedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}


@functools.cache
def _manager_classes() -> tuple[type, type]:
    """urllib3's pool and proxy managers with redirects off: a redirect comes back as a response (not even its
    Location is parsed), and the HTTP client decides whether to follow it (redirects.py)."""
    import urllib3

    # urllib3's own managers narrow urlopen's signature this way, under the same ignore.
    class NoRedirectPoolManager(urllib3.PoolManager):
        def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:  # type: ignore[override]
            return super().urlopen(method, url, redirect=False, **kw)

    class NoRedirectProxyManager(urllib3.ProxyManager):
        def urlopen(self, method: str, url: str, redirect: bool = True, **kw: Any) -> Any:  # type: ignore[override]
            return super().urlopen(method, url, redirect=False, **kw)

    return NoRedirectPoolManager, NoRedirectProxyManager


def http_pool_manager(
    base_url: str,
    limits: FetchLimits,
    on_socket: Callable[[socket.socket], None] | None = None,
    policy: AddressPolicy | None = None,
):
    import urllib3
    from dulwich.client import default_urllib3_manager, default_user_agent_string

    # No retries: retrying is the caller's decision, by error type.
    retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=0, raise_on_redirect=False)
    timeout = urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
    pool_manager_cls, proxy_manager_cls = _manager_classes()
    if policy is not None:  # no proxy from the environment: the connection must go where the policy checked
        pinned = pool_manager_cls(
            headers={"User-agent": default_user_agent_string()},
            timeout=timeout,
            retries=retries,
            cert_reqs="CERT_REQUIRED",
        )
        pinned.pool_classes_by_scheme = _watched_pool_classes(on_socket, policy)
        return pinned
    manager = default_urllib3_manager(
        None,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # dulwich passes it through to urllib3
        # Typed `type` but only called: a factory does.
        pool_manager_cls=functools.partial(pool_manager_cls, retries=retries),  # type: ignore[arg-type]
        proxy_manager_cls=functools.partial(proxy_manager_cls, retries=retries),  # type: ignore[arg-type]
    )
    # A PoolManager or a ProxyManager (one of ours): dulwich wraps it only for an auth callback, never passed.
    if on_socket is not None and isinstance(manager, urllib3.PoolManager):
        manager.pool_classes_by_scheme = _watched_pool_classes(on_socket, None)
    return manager


class NoHaves:
    """A graph walker for an empty repository: never offers a have, so the server sends everything asked."""

    shallow: frozenset[bytes] = frozenset()

    def __next__(self) -> None:
        return None

    def ack(self, sha: bytes) -> None:
        pass

    def nak(self) -> None:
        pass
