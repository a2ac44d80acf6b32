"""WebhookSender over httpx: one POST per attempt, no redirect followed, no proxy from the environment,
connect/read timeouts per step and a total deadline for the whole request, and the private-address policy
applied where it matters: when connecting.

The network backend below resolves the callback's host itself, checks *every* address with the URL policy
(domain/urls.refused_address_reason) and connects only to a checked address (the IP literal, so nothing
resolves the name a second time): a name that resolved to a public address at registration and resolves to
127.0.0.1 or 169.254.169.254 now (DNS rebinding) is refused before any byte is sent. TLS still verifies the
certificate against the host name (httpcore passes it as server_hostname).

The total deadline: per-read timeouts do not stop a server that trickles its answer a byte at a time, so
every read, write and TLS handshake of a request gets at most what is left of `total_timeout_s`.
"""

from __future__ import annotations

import contextvars
import ssl
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import httpcore
import httpx

from codetracker.domain.urls import refused_address_reason
from codetracker.errors import (
    DeliveryAddressRefused,
    DeliveryConnectionFailed,
    DeliveryTimeout,
    UrlRefused,
)
from codetracker.ports.network import HostResolver
from codetracker.ports.notifier import DeliveryResponse

USER_AGENT = "Codetracker-Webhooks/1.0"
EXCERPT_BYTES = 512

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("codetracker_notify_deadline", default=None)


class _AddressRefused(Exception):
    """Raised by the backend; becomes DeliveryAddressRefused. Not an httpcore error: nothing retries it."""


class _Unresolvable(Exception):
    pass


def _left(timeout: float | None, *, what: type[Exception]) -> float | None:
    deadline = _deadline.get()
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise what("the request's total timeout passed")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, what=httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, what=httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _left(timeout, what=httpcore.ConnectTimeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PolicyNetworkBackend(httpcore.NetworkBackend):
    """Resolve, check every address, connect to a checked one (first that answers)."""

    def __init__(self, resolver: HostResolver, *, allow_private: bool) -> None:
        self._resolver = resolver
        self._allow_private = allow_private
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._resolver.addresses(host, port)
        except UrlRefused:
            raise _Unresolvable(f"host {host} does not resolve") from None
        if not self._allow_private:
            for address in addresses:
                reason = refused_address_reason(address)
                if reason is not None:
                    raise _AddressRefused(f"host {host} resolves to {address}, which {reason}")
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self._sync.connect_tcp(
                    address, port, _left(timeout, what=httpcore.ConnectTimeout), local_address, socket_options
                )
            except httpcore.ConnectTimeout:
                raise
            except httpcore.ConnectError as err:
                last = err
                continue
            return _DeadlineStream(stream)
        raise last or httpcore.ConnectError(f"no address of {host} could be reached")

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise _AddressRefused("callbacks are never sent to unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _Body(httpx.SyncByteStream):
    def __init__(self, parts: Iterable[bytes]) -> None:
        self._parts = parts

    def __iter__(self) -> Iterator[bytes]:
        yield from self._parts

    def close(self) -> None:
        close = getattr(self._parts, "close", None)
        if close is not None:
            close()


class PolicyTransport(httpx.BaseTransport):
    """httpx over an httpcore pool on the policy backend. httpcore's own exceptions pass through unmapped:
    the sender turns them into typed delivery errors."""

    def __init__(self, backend: httpcore.NetworkBackend, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context or ssl.create_default_context(),
            network_backend=backend,
            max_connections=20,
            keepalive_expiry=30.0,
            retries=0,
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self._pool.handle_request(
            httpcore.Request(
                method=request.method,
                url=httpcore.URL(
                    scheme=request.url.raw_scheme,
                    host=request.url.raw_host,
                    port=request.url.port,
                    target=request.url.raw_path,
                ),
                headers=request.headers.raw,
                content=request.stream,
                extensions=request.extensions,
            )
        )
        return httpx.Response(
            status_code=answer.status,
            headers=answer.headers,
            stream=_Body(answer.stream),  # type: ignore[arg-type]
            extensions=answer.extensions,
        )

    def close(self) -> None:
        self._pool.close()


class HttpxWebhookSender:
    def __init__(
        self,
        resolver: HostResolver,
        *,
        allow_private: bool = False,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 10.0,
        total_timeout_s: float = 15.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._total = total_timeout_s
        self._client = httpx.Client(
            transport=PolicyTransport(
                PolicyNetworkBackend(resolver, allow_private=allow_private), ssl_context=ssl_context
            ),
            timeout=httpx.Timeout(
                connect=connect_timeout_s, read=read_timeout_s, write=read_timeout_s, pool=connect_timeout_s
            ),
            follow_redirects=False,
            trust_env=False,
            headers={"user-agent": USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> DeliveryResponse:
        token = _deadline.set(time.monotonic() + self._total)
        try:
            with self._client.stream("POST", url, content=body, headers=dict(headers)) as response:
                excerpt = b""
                for chunk in response.iter_raw():
                    excerpt += chunk
                    if len(excerpt) >= EXCERPT_BYTES:
                        break
                return DeliveryResponse(
                    response.status_code,
                    {k.lower(): v for k, v in response.headers.items()},
                    excerpt[:EXCERPT_BYTES].decode("utf-8", "replace"),
                )
        except _AddressRefused as err:
            raise DeliveryAddressRefused(str(err)) from None
        except _Unresolvable as err:
            raise DeliveryConnectionFailed(str(err)) from None
        except (httpcore.TimeoutException, httpx.TimeoutException) as err:
            raise DeliveryTimeout(f"the callback did not answer in time ({type(err).__name__})") from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpx.TransportError, httpx.StreamError, OSError) as err:
            raise DeliveryConnectionFailed(f"the callback could not be reached ({type(err).__name__})") from None
        finally:
            _deadline.reset(token)
