"""Translating dulwich, urllib3 and socket failures into the typed errors of `codetracker.errors`.

Errors are mapped by exception type (innermost cause first), HTTP status and fetch phase, never by message
text (see `translate_error`). Our own HTTP client raises `HttpStatus` for a non-200 answer instead of
dulwich's text-only errors, and `NotSmartHttp` when info/refs is not a git smart-HTTP answer. The phase
matters: git daemon hangs up before advertising refs for a missing repository (RepositoryNotFound), and a
server that breaks off before any pack byte for a commit SHA no ref points at has refused the want
(RefNotFound). Retryable: unreachable host, timeouts, 5xx/408/429, broken connections, malformed packs.
"""

from __future__ import annotations

import errno
import functools
import socket
from dataclasses import dataclass

from codetracker.adapters.git.location import RepositoryLocation
from codetracker.errors import (
    AuthenticationFailed,
    FetchError,
    FetchTimeout,
    GitServerError,
    HostUnreachable,
    RefNotFound,
    RepositoryNotFound,
)

__all__ = ["FetchContext", "HttpStatus", "NotSmartHttp", "translate_error"]

_UNREACHABLE_ERRNOS = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL)


class HttpStatus(Exception):
    """A non-200 HTTP answer (raised by our dulwich HTTP client instead of dulwich's text-only errors)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class NotSmartHttp(Exception):
    """The server answered info/refs without a git smart-HTTP content type (a web page, a dumb server)."""


@dataclass(slots=True)
class FetchContext:
    location: RepositoryLocation
    phase: str = "advertisement"  # then "pack", once determine_wants has chosen the wants
    unadvertised_commit: bool = False  # the want is a commit SHA no ref points at
    pack_started: bool = False  # pack bytes have arrived

    @property
    def want_refused(self) -> bool:
        """The server broke off before sending a pack for a commit SHA no ref points at: it refused the want
        (git upload-pack dies with "not our ref", dulwich's server answers 500)."""
        return self.phase == "pack" and self.unadvertised_commit and not self.pack_started


def _chain(error: BaseException) -> list[BaseException]:
    """error, its causes and contexts, innermost last; urllib3's MaxRetryError contributes its reason."""
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 16:
        seen.append(current)
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and reason not in seen:
            seen.append(reason)
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return seen


def _status_error(status: int, where: str, context: FetchContext) -> FetchError:
    if status in (401, 403):
        return AuthenticationFailed(f"authentication failed (HTTP {status}) for {where}")
    if context.want_refused and 400 <= status < 600 and status != 429:
        return RefNotFound(f"the server did not send the requested commit (HTTP {status}) from {where}")
    if status in (404, 410):
        return RepositoryNotFound(f"repository not found (HTTP {status}): {where}")
    if status in (408, 429) or status >= 500:
        return GitServerError(f"git server error (HTTP {status}) from {where}")
    if 400 <= status < 500:
        return RepositoryNotFound(f"not a fetchable git repository (HTTP {status}): {where}")
    return GitServerError(f"unexpected HTTP {status} from {where}")


def _map_one(error: BaseException, context: FetchContext) -> FetchError | None:
    where = context.location.display_url
    if isinstance(error, FetchError):
        return error
    if isinstance(error, HttpStatus):
        return _status_error(error.status, where, context)
    if isinstance(error, NotSmartHttp):
        return RepositoryNotFound(f"not a git smart-HTTP repository: {where}")
    urllib3_exceptions = _urllib3_exceptions() if context.location.transport == "http" else None
    if urllib3_exceptions is not None and isinstance(error, urllib3_exceptions.HTTPError):
        # NewConnectionError subclasses ConnectTimeoutError in urllib3 2: test it first
        if isinstance(error, urllib3_exceptions.NewConnectionError):
            return HostUnreachable(f"cannot connect to {where}")
        if isinstance(error, urllib3_exceptions.TimeoutError):
            return FetchTimeout(f"timed out talking to {where}")
        if isinstance(error, urllib3_exceptions.SSLError):
            return HostUnreachable(f"TLS connection to {where} failed")
        if isinstance(error, urllib3_exceptions.MaxRetryError):
            return None  # decided by its reason, which _chain lists after it
        return GitServerError(f"HTTP connection to {where} broke off")
    if isinstance(error, TimeoutError):
        return FetchTimeout(f"timed out talking to {where}")
    if isinstance(error, (ConnectionRefusedError, socket.gaierror)) or (
        isinstance(error, OSError) and error.errno in _UNREACHABLE_ERRNOS
    ):
        return HostUnreachable(f"cannot connect to {where}")
    if isinstance(error, ConnectionError):
        if context.want_refused:
            return RefNotFound(f"the server refused to send the requested commit from {where}")
        return GitServerError(f"connection to {where} broke off")
    dulwich_errors = _dulwich_errors()
    if isinstance(error, dulwich_errors.NotGitRepository):
        return RepositoryNotFound(f"repository not found: {where}")
    if isinstance(error, _dulwich_client().HTTPUnauthorized):
        return AuthenticationFailed(f"authentication failed for {where}")
    if isinstance(error, dulwich_errors.GitProtocolError):
        if context.phase == "advertisement" and context.location.transport == "git":
            # git daemon hangs up (or sends ERR with --informative-errors) instead of advertising refs
            # when the repository does not exist or is not exported.
            return RepositoryNotFound(f"repository not found or not exported: {where}")
        if context.want_refused:
            return RefNotFound(f"the server refused to send the requested commit from {where}")
        return GitServerError(f"git protocol error from {where}")
    if isinstance(
        error, (dulwich_errors.ChecksumMismatch, dulwich_errors.ApplyDeltaError, dulwich_errors.ObjectFormatException)
    ):
        return GitServerError(f"malformed pack from {where}")
    if isinstance(error, OSError):
        return GitServerError(f"I/O error while fetching from {where}")
    return None


def translate_error(error: BaseException, context: FetchContext) -> FetchError | None:
    """The typed error for a failure during a fetch, or None when it is not a fetch failure (a bug).

    Decided by exception type (innermost cause first), HTTP status attribute and the fetch phase; never
    by message text.
    """
    if isinstance(error, FetchError):
        return error  # raised by our own callbacks (RefNotFound, FetchLimitExceeded) through dulwich
    for candidate in reversed(_chain(error)):
        mapped = _map_one(candidate, context)
        if mapped is not None:
            return mapped
    return None


@functools.cache
def _urllib3_exceptions():
    import urllib3.exceptions

    return urllib3.exceptions


@functools.cache
def _dulwich_errors():
    import dulwich.errors

    return dulwich.errors


@functools.cache
def _dulwich_client():
    import dulwich.client

    return dulwich.client
