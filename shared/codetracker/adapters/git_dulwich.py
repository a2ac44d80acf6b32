"""RepositoryFetcher over dulwich: one ref at depth 1, into memory. No checkout, no work directory.

Remote URLs (http://, https://, git://)
  1. One `fetch_pack`. Its `determine_wants` callback sees the advertised refs, resolves the requested ref
     and wants exactly one object; an unknown ref raises RefNotFound there, before any pack is requested.
  2. The want goes out with depth 1 and the filter `blob:none`. dulwich sends the filter only to servers
     that advertise protocol v2 `fetch=... filter` (git http-backend or git daemon with
     uploadpack.allowFilter, GitHub); those send the commit and its trees only. Other servers (dulwich's
     own, protocol v0) send the whole depth-1 pack. Which of the two happened is read from the result (are
     the tree's blobs there?), so a server that advertises the filter and ignores it is handled too.
  3. Pack bytes are counted as they arrive (`FetchLimits.max_pack_bytes` caps the session total, blob
     fetches included) and parsed on the fly: each object is inflated once into an in-memory pool
     (hex sha -> type, content); the pack checksum is verified at the end. No file is written.
  4. After a filtered fetch, `read` / `read_many` fetch missing blobs by SHA: one `fetch_pack` per batch,
     no filter, no depth, no haves.
  Timeouts: connect and read timeouts from FetchLimits on every socket (dulwich has none by default).
  urllib3 does not retry; retrying is the caller's decision, taken from the error type.

Sizes: after a filtered fetch a blob's size is SIZE_UNKNOWN (None) until the blob is read (see source_git).

Local repositories (a plain path or file://) are read in place from their own object store: nothing is
copied, nothing is transferred (bytes_received 0); max_files applies, max_pack_bytes does not.

Refs. REF may be a branch or tag name, a fully qualified ref (`refs/heads/x`, `refs/tags/x`, `refs/pull/1/
head`; other namespaces count as "branch" with the full ref as name), `HEAD` (the default branch), a full
40-hex commit SHA, or an abbreviated SHA that is a prefix of exactly one branch tip (anything else
abbreviated is RefNotFound: servers cannot resolve abbreviations). A name that is both a branch and a tag
resolves to the branch, as `git clone --branch` does; pass `refs/tags/<name>` for the tag. Annotated tags
are peeled to their commit. A commit SHA that no ref points at is fetched if the server allows wants by id
(git v2 servers, GitHub); when it refuses, that is RefNotFound.

Default branch: the target of the advertised HEAD symref. Without one (old servers): the only branch
whose tip equals HEAD's SHA (main, then master, then the first by name on a tie); without HEAD: main, then
master if present; else None.

Errors are mapped by exception type, HTTP status and fetch phase, never by message text (see
`translate_error`). Credentials go to dulwich as username/password (an Authorization header sent only to
the URL's origin); userinfo in a URL is stripped from it and used as credentials. Neither the URL with
userinfo nor a password appears in a log record, an error message or a repr.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import logging
import os
import re
import select
import socket
import threading
import time
import weakref
import zlib
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from codetracker.adapters.source_git import (
    OBJ_BLOB,
    OBJ_COMMIT,
    OBJ_TAG,
    SIZE_UNKNOWN,
    GitCommitTree,
    ObjectSource,
    commit_tree_sha,
    tag_target,
)
from codetracker.domain.model import TreeEntry
from codetracker.errors import (
    AuthenticationFailed,
    FetchError,
    FetchLimitExceeded,
    FetchTimeout,
    GitServerError,
    HostUnreachable,
    InvalidInput,
    RefNotFound,
    RepositoryNotFound,
)
from codetracker.ports import Credentials, FetchedRef, FetchLimits, FetchStats

__all__ = [
    "SIZE_UNKNOWN",
    "DulwichFetcher",
    "GitFetchedTree",
    "RefTarget",
    "RepositoryLocation",
    "default_branch",
    "parse_location",
    "resolve_ref",
    "translate_error",
]

log = logging.getLogger(__name__)

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_SHORT_SHA = re.compile(r"[0-9a-f]{4,39}")
_SCP_LIKE = re.compile(r"[^/@:]+@[^/:]+:")
_PEELED_SUFFIX = b"^{}"
_UNREACHABLE_ERRNOS = (errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL)
_MAX_TAG_DEPTH = 10


# --- where the repository is --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepositoryLocation:
    """A parsed repository URL. `display_url` never carries credentials."""

    transport: str  # "http" | "git" | "local"
    display_url: str  # scheme://host[:port]/path, or the absolute local path
    repository_name: str
    path: str  # the path to request from the server, or the local directory
    base_url: str = ""  # http(s): scheme://host[:port]/
    host: str = ""
    port: int | None = None
    url_credentials: Credentials | None = field(default=None, repr=False, compare=False)


def _repository_name(path: str, fallback: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".git"):
        last = last[: -len(".git")]
    return last or fallback


def parse_location(url: str) -> RepositoryLocation:
    """Split a repository URL or path; userinfo becomes `url_credentials` and leaves the URL."""
    if not url or not url.strip():
        raise InvalidInput("the repository URL is empty", field="url")
    url = url.strip()
    try:
        split = urlsplit(url)
    except ValueError:
        raise InvalidInput("the repository URL is malformed", field="url") from None
    scheme = split.scheme.lower()
    if scheme in ("http", "https", "git"):
        try:
            host, port = split.hostname, split.port
        except ValueError:  # a port that is not a number; the message could echo the URL, so drop it
            raise InvalidInput("the repository URL has an invalid port", field="url") from None
        if not host:
            raise InvalidInput("the repository URL has no host", field="url")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        path = split.path or "/"
        display = f"{scheme}://{netloc}{path}"
        credentials = None
        if split.username is not None or split.password is not None:
            credentials = Credentials(unquote(split.username or ""), unquote(split.password or ""))
        name = _repository_name(unquote(path), host)
        if scheme == "git":
            return RepositoryLocation(
                "git", display, name, unquote(path), host=host, port=port, url_credentials=credentials
            )
        return RepositoryLocation(
            "http",
            display,
            name,
            path,
            base_url=f"{scheme}://{netloc}/",
            host=host,
            port=port,
            url_credentials=credentials,
        )
    if scheme == "file":
        local = unquote(split.path)
    elif scheme and len(scheme) > 1:  # "c:" would be a drive letter, not a scheme
        raise InvalidInput(f"unsupported repository URL scheme {scheme!r}", field="url")
    elif _SCP_LIKE.match(url):
        raise InvalidInput("SSH repository URLs (user@host:path) are not supported", field="url")
    else:
        local = url
    local = os.path.abspath(os.path.expanduser(local))
    return RepositoryLocation("local", local, _repository_name(local, "repository"), local)


# --- which ref ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RefTarget:
    kind: str  # "branch" | "tag" | "commit"
    name: str  # short name ("" for a commit; the full ref for namespaces other than heads/tags)
    sha: str  # the object to want: commit, or annotated tag object
    advertised: bool  # a ref points at it (False: a bare commit SHA the server may refuse)


def _ref_prefixes(requested: str) -> list[bytes]:
    """ls-refs prefixes (protocol v2): HEAD and branches (for the default branch), plus the candidates."""
    prefixes = [b"HEAD", b"refs/heads/"]
    if requested.startswith("refs/") and not requested.startswith("refs/heads/"):
        prefixes.append(requested.encode("utf-8"))
    elif requested != "HEAD" and not _FULL_SHA.fullmatch(requested):
        prefixes.append(b"refs/tags/" + requested.encode("utf-8"))
    return prefixes


def resolve_ref(requested: str, refs: Mapping[bytes, bytes]) -> RefTarget:
    """Resolve REF against advertised refs (name -> sha, bytes). Raises RefNotFound."""
    advertised = {name: sha for name, sha in refs.items() if sha and not name.endswith(_PEELED_SUFFIX)}
    if requested == "HEAD":
        if b"HEAD" in advertised:
            return RefTarget("branch", "", advertised[b"HEAD"].decode("ascii"), True)
        raise RefNotFound("the repository advertises no HEAD")
    if requested.startswith("refs/"):
        sha = advertised.get(requested.encode("utf-8"))
        if sha is None:
            raise RefNotFound(f"ref {requested!r} not found")
        for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
            if requested.startswith(prefix):
                return RefTarget(kind, requested[len(prefix) :], sha.decode("ascii"), True)
        return RefTarget("branch", requested, sha.decode("ascii"), True)
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        sha = advertised.get(f"{prefix}{requested}".encode("utf-8"))
        if sha is not None:
            return RefTarget(kind, requested, sha.decode("ascii"), True)
    lowered = requested.lower()
    if _FULL_SHA.fullmatch(lowered):
        tips = {sha.decode("ascii") for sha in refs.values() if sha}
        return RefTarget("commit", "", lowered, lowered in tips)
    if _SHORT_SHA.fullmatch(lowered):
        # Only branch tips: servers list all branches but (protocol v2) only the requested tag names.
        tips = [sha for name, sha in advertised.items() if name == b"HEAD" or name.startswith(b"refs/heads/")]
        matches = {sha.decode("ascii") for sha in tips if sha.decode("ascii").startswith(lowered)}
        if len(matches) == 1:
            return RefTarget("commit", "", matches.pop(), True)
        if len(matches) > 1:
            raise RefNotFound(f"abbreviated SHA {requested!r} is ambiguous; pass the full 40-character SHA")
        raise RefNotFound(
            f"ref {requested!r} not found (abbreviated SHAs resolve only against branch tips; "
            "pass the full 40-character SHA)"
        )
    raise RefNotFound(f"ref {requested!r} not found")


def default_branch(refs: Mapping[bytes, bytes | None], symrefs: Mapping[bytes, bytes]) -> str | None:
    """The remote's default branch: HEAD's symref target, else a heuristic (see module docstring)."""
    target = symrefs.get(b"HEAD")
    if target is not None and target.startswith(b"refs/heads/"):
        return target[len(b"refs/heads/") :].decode("utf-8", "backslashreplace")
    branches = {
        name[len(b"refs/heads/") :]: sha
        for name, sha in refs.items()
        if name.startswith(b"refs/heads/") and not name.endswith(_PEELED_SUFFIX)
    }
    head = refs.get(b"HEAD")
    candidates = sorted(name for name, sha in branches.items() if sha == head) if head else sorted(branches)
    if head and len(candidates) == 1:
        return candidates[0].decode("utf-8", "backslashreplace")
    for preferred in (b"main", b"master"):
        if preferred in candidates:
            return preferred.decode("ascii")
    if head and candidates:
        return candidates[0].decode("utf-8", "backslashreplace")
    return None


def _checked_ref(ref: str) -> str:
    if not isinstance(ref, str) or not ref.strip() or any(ch.isspace() or ord(ch) < 32 for ch in ref):
        raise InvalidInput("REF must be a branch, tag or commit SHA without spaces", field="ref")
    return ref


def _peel_to_commit(objects: ObjectSource, sha: bytes, requested: str, *, absent: type[FetchError]) -> bytes:
    for _ in range(_MAX_TAG_DEPTH):
        found = objects.get(sha)
        if found is None:
            if absent is RefNotFound:
                raise RefNotFound(f"commit {sha.decode('ascii')} not found (or not fetchable by SHA)")
            raise absent(f"object {sha.decode('ascii')} for ref {requested!r} was not received")
        kind, raw = found
        if kind == OBJ_COMMIT:
            return sha
        if kind != OBJ_TAG:
            raise RefNotFound(f"ref {requested!r} does not point at a commit")
        _kind, sha = tag_target(raw)
    raise RefNotFound(f"ref {requested!r}: tags nested too deeply")


# --- errors ---------------------------------------------------------------------------------------------


class _HttpStatus(Exception):
    """A non-200 HTTP answer (raised by our dulwich HTTP client instead of dulwich's text-only errors)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _NotSmartHttp(Exception):
    """The server answered info/refs without a git smart-HTTP content type (a web page, a dumb server)."""


@dataclass(slots=True)
class _FetchContext:
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


def _status_error(status: int, where: str, context: _FetchContext) -> FetchError:
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


def _map_one(error: BaseException, context: _FetchContext) -> FetchError | None:
    where = context.location.display_url
    if isinstance(error, FetchError):
        return error
    if isinstance(error, _HttpStatus):
        return _status_error(error.status, where, context)
    if isinstance(error, _NotSmartHttp):
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


def translate_error(error: BaseException, context: _FetchContext) -> FetchError | None:
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


# --- dulwich clients with timeouts and typed HTTP statuses ---------------------------------------------


@functools.cache
def _client_classes() -> tuple[type, type]:
    """Subclasses of dulwich's clients, defined on first use so importing this module stays cheap."""
    from dulwich.client import TCPGitClient, Urllib3HttpGitClient
    from dulwich.protocol import Protocol

    class HttpClient(Urllib3HttpGitClient):
        @staticmethod
        def _warn_filter_objects() -> None:
            """Servers without filters are expected; the fetch notices the blobs in the pack."""

        def _http_request(self, url: str, headers: Any = None, data: Any = None, raise_for_status: bool = True):
            response, read = super()._http_request(url, headers, data, raise_for_status=False)
            if raise_for_status and response.status != 200:
                status = response.status
                response.close()
                raise _HttpStatus(status)
            content_type = response.headers.get("Content-Type") or ""
            # our own ref-discovery request (the URL dulwich built), not a server message
            if "/info/refs" in url and not content_type.startswith("application/x-git-"):
                response.close()
                raise _NotSmartHttp()  # dulwich would fall back to the dumb protocol and fetch everything
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


def _watched_pool_classes(on_socket: Callable[[socket.socket], None]) -> dict[str, type]:
    """urllib3 connection pools whose connections hand their socket to `on_socket` as soon as they
    connect: the fetch deadline can then cut a response off even while its headers trickle in."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def connect(self) -> None:
            super().connect()
            on_socket(self.sock)

    class WatchedHTTPSConnection(HTTPSConnection):
        def connect(self) -> None:
            super().connect()
            on_socket(self.sock)

    class WatchedHTTPConnectionPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSConnectionPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    return {"http": WatchedHTTPConnectionPool, "https": WatchedHTTPSConnectionPool}


def _http_pool_manager(base_url: str, limits: FetchLimits, on_socket: Callable[[socket.socket], None] | None = None):
    import urllib3
    from dulwich.client import default_urllib3_manager

    # No retries: retrying is the caller's decision, by error type. Redirects are followed (up to 5).
    retries = urllib3.Retry(total=None, connect=0, read=0, status=0, other=0, redirect=5, raise_on_redirect=True)
    timeout = urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout)
    manager = default_urllib3_manager(
        None,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  # dulwich passes it through to urllib3
        pool_manager_cls=functools.partial(urllib3.PoolManager, retries=retries),
        proxy_manager_cls=functools.partial(urllib3.ProxyManager, retries=retries),
    )
    if on_socket is not None and isinstance(getattr(manager, "pool_classes_by_scheme", None), dict):
        manager.pool_classes_by_scheme = _watched_pool_classes(on_socket)
    return manager


class _NoHaves:
    """A graph walker for an empty repository: never offers a have, so the server sends everything asked."""

    shallow: frozenset[bytes] = frozenset()

    def __next__(self) -> None:
        return None

    def ack(self, sha: bytes) -> None:
        pass

    def nak(self) -> None:
        pass


# --- the in-memory object pool, filled while the pack arrives -------------------------------------------


class _ObjectPool:
    """hex sha -> (type number, raw content) of every object received in this session."""

    def __init__(self) -> None:
        self.objects: dict[bytes, tuple[int, bytes]] = {}

    def get(self, sha: bytes) -> tuple[int, bytes] | None:
        return self.objects.get(sha)

    def has(self, sha: bytes) -> bool:
        return sha in self.objects

    def clear(self) -> None:
        self.objects.clear()


_TYPE_NAMES = {OBJ_COMMIT: b"commit", 2: b"tree", OBJ_BLOB: b"blob", OBJ_TAG: b"tag"}
_OFS_DELTA = 6
_REF_DELTA = 7
_TRAILER = 20  # SHA-1 of everything before it


class _PackReceiver:
    """Parses a pack as it arrives: each object is inflated once, deltas are applied against objects seen
    earlier (in this pack or, for thin packs, in the pool), and whole objects go to the pool. Nothing is
    spooled: peak memory is the inflated objects plus one network chunk, and no temporary file exists.

    Every object's SHA is computed from its content; `finish` checks the object count and the pack
    trailer. A malformed pack raises GitServerError.
    """

    def __init__(self, pool: _ObjectPool) -> None:
        self._pool = pool
        self._pending = bytearray()  # received, not yet parsed
        self._parsed = 0  # pack offset of _pending[0]
        self._hasher = hashlib.sha1()
        self._unhashed_tail = b""  # the last bytes seen: the trailer, once the pack is complete
        self._count: int | None = None  # objects announced by the pack header
        self._done = 0
        self._object: tuple[int, int, int, object] | None = None  # offset, type, size, delta base
        self._inflater: Any = None
        self._inflated: list[bytes] = []
        self._by_offset: dict[int, tuple[int, bytes]] = {}
        self._waiting: dict[bytes, list[tuple[int, bytes]]] = {}  # REF_DELTA base (hex) -> (offset, delta)
        self.objects_added = 0

    def feed(self, data: bytes) -> None:
        if not data:
            return
        joined = self._unhashed_tail + data
        self._hasher.update(joined[:-_TRAILER])
        self._unhashed_tail = joined[-_TRAILER:]
        if self._inflater is not None:  # mid-object: _pending is empty, the bytes go straight to zlib
            self._parsed += len(data)
            self._inflate(data)
        else:
            self._pending += data
        self._parse()

    def _parse(self) -> None:
        while True:
            if self._count is None:
                if len(self._pending) < 12:
                    return
                header = bytes(self._pending[:12])
                if header[:4] != b"PACK" or int.from_bytes(header[4:8], "big") not in (2, 3):
                    raise GitServerError("malformed pack: bad header")
                self._count = int.from_bytes(header[8:12], "big")
                self._consume(12)
                continue
            if self._inflater is not None or self._done == self._count:
                return
            if not self._start_object():
                return
            data = bytes(self._pending)
            self._consume(len(data))
            self._inflate(data)

    def _consume(self, length: int) -> None:
        del self._pending[:length]
        self._parsed += length

    def _start_object(self) -> bool:
        """Parse one object header from _pending; False when more bytes are needed."""
        buffer = self._pending
        position = 0

        def varint_header() -> tuple[int, int] | None:
            nonlocal position
            if position >= len(buffer):
                return None
            byte = buffer[position]
            kind, size, shift = (byte >> 4) & 7, byte & 15, 4
            position += 1
            while byte & 0x80:
                if position >= len(buffer):
                    return None
                byte = buffer[position]
                size |= (byte & 0x7F) << shift
                shift += 7
                position += 1
            return kind, size

        header = varint_header()
        if header is None:
            return False
        kind, size = header
        base: object = None
        if kind == _OFS_DELTA:
            if position >= len(buffer):
                return False
            byte = buffer[position]
            distance = byte & 0x7F
            position += 1
            while byte & 0x80:
                if position >= len(buffer):
                    return False
                byte = buffer[position]
                distance = ((distance + 1) << 7) | (byte & 0x7F)
                position += 1
            base = distance
        elif kind == _REF_DELTA:
            if position + 20 > len(buffer):
                return False
            base = bytes(buffer[position : position + 20]).hex().encode("ascii")
            position += 20
        elif kind not in _TYPE_NAMES:
            raise GitServerError(f"malformed pack: object type {kind}")
        self._object = (self._parsed, kind, size, base)
        self._consume(position)
        self._inflater = zlib.decompressobj()
        self._inflated = []
        return True

    def _inflate(self, data: bytes) -> None:
        try:
            out = self._inflater.decompress(data)
        except zlib.error as error:
            raise GitServerError("malformed pack: corrupt object data") from error
        if out:
            self._inflated.append(out)
        if not self._inflater.eof:
            return
        rest = self._inflater.unused_data
        self._inflater = None
        offset, kind, size, base = self._object  # type: ignore[misc]
        raw = b"".join(self._inflated)
        self._inflated = []
        if len(raw) != size:
            raise GitServerError("malformed pack: object size mismatch")
        self._done += 1
        self._pending = bytearray(rest) + self._pending
        self._parsed -= len(rest)  # `rest` was counted as consumed when it was fed to the inflater
        self._object_complete(offset, kind, base, raw)

    def _object_complete(self, offset: int, kind: int, base: object, raw: bytes) -> None:
        if kind == _OFS_DELTA:
            found = self._by_offset.get(offset - base)  # type: ignore[operator]
            if found is None:
                raise GitServerError("malformed pack: delta base missing")
            self._store(offset, found[0], _apply_delta(found[1], raw))
        elif kind == _REF_DELTA:
            found = self._pool.get(base)  # type: ignore[arg-type]
            if found is None:
                self._waiting.setdefault(base, []).append((offset, raw))  # type: ignore[arg-type]
            else:
                self._store(offset, found[0], _apply_delta(found[1], raw))
        else:
            self._store(offset, kind, raw)

    def _store(self, offset: int, kind: int, raw: bytes) -> None:
        digest = hashlib.sha1(b"%s %d\0" % (_TYPE_NAMES[kind], len(raw)))
        digest.update(raw)
        sha = digest.hexdigest().encode("ascii")
        self._pool.objects[sha] = (kind, raw)
        self._by_offset[offset] = (kind, raw)
        self.objects_added += 1
        for delta_offset, delta in self._waiting.pop(sha, ()):
            self._store(delta_offset, kind, _apply_delta(raw, delta))

    def finish(self) -> None:
        """Called when the server has sent everything: the pack must be complete and intact."""
        self._by_offset.clear()
        if self._count is None and not self._unhashed_tail:
            return  # no pack at all (nothing was wanted)
        if self._count is None or self._done != self._count or self._inflater is not None:
            raise GitServerError("malformed pack: truncated")
        if self._waiting:
            raise GitServerError("malformed pack: delta base missing")
        if bytes(self._pending) != self._unhashed_tail or self._hasher.digest() != self._unhashed_tail:
            raise GitServerError("malformed pack: checksum mismatch")


def _apply_delta(base: bytes, delta: bytes) -> bytes:
    from dulwich.errors import ApplyDeltaError
    from dulwich.pack import apply_delta

    try:
        return b"".join(apply_delta(base, delta))
    except ApplyDeltaError as error:
        raise GitServerError("malformed pack: bad delta") from error


class _RepoObjects:
    """ObjectSource over a local repository's own object store."""

    def __init__(self, object_store: Any) -> None:
        self._store = object_store

    def get(self, sha: bytes) -> tuple[int, bytes] | None:
        try:
            return self._store.get_raw(sha)
        except KeyError:
            return None

    def has(self, sha: bytes) -> bool:
        return sha in self._store


# --- the fetched tree -----------------------------------------------------------------------------------


class GitFetchedTree:
    """A FetchedTree: one commit's entries and contents. Close it (or use `with`) to free its memory."""

    def __init__(
        self,
        *,
        ref: FetchedRef,
        repository_name: str,
        display_url: str,
        tree: GitCommitTree,
        stats: Callable[[], FetchStats],
        on_close: Callable[[], None],
    ) -> None:
        self.ref = ref
        self.repository_name = repository_name
        self.display_url = display_url
        self._tree: GitCommitTree | None = tree
        self._stats = stats
        self._on_close: Callable[[], None] | None = on_close

    def __repr__(self) -> str:
        return f"GitFetchedTree({self.repository_name!r}, {self.ref.requested!r} -> {self.ref.commit_sha})"

    def _open_tree(self) -> GitCommitTree:
        if self._tree is None:
            raise ValueError("the fetched tree is closed")
        return self._tree

    def entries(self) -> Sequence[TreeEntry]:
        return self._open_tree().entries()

    def read(self, path: str) -> bytes | None:
        return self._open_tree().read(path)

    def read_many(self, entries: Sequence[TreeEntry]):
        return self._open_tree().read_many(entries)

    def stats(self) -> FetchStats:
        return self._stats()

    def close(self) -> None:
        self._tree = None
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close()

    def __enter__(self) -> GitFetchedTree:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --- remote fetch session -------------------------------------------------------------------------------


class _RemoteSession:
    """One client, one object pool and the byte count for one opened tree (and its later blob fetches)."""

    def __init__(
        self,
        location: RepositoryLocation,
        credentials: Credentials | None,
        limits: FetchLimits,
    ) -> None:
        self.location = location
        self.limits = limits
        self.pool = _ObjectPool()
        self.bytes_received = 0
        self.deadline = time.monotonic() + limits.total_timeout
        self.deadline_passed = False
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.blobs_fetched = 0
        self.used_filter = False
        self._client = self._build_client(credentials)
        if self.location.transport != "http":
            self._client.on_socket = self._watch_socket

    def _build_client(self, credentials: Credentials | None) -> Any:
        http_client, tcp_client = _client_classes()
        if self.location.transport == "http":
            return http_client(
                self.location.base_url,
                pool_manager=_http_pool_manager(self.location.base_url, self.limits, self._watch_socket),
                username=credentials.username if credentials else None,
                password=credentials.password if credentials else None,
            )
        return tcp_client(
            self.location.host,
            self.location.port,
            connect_timeout=self.limits.connect_timeout,
            read_timeout=self.limits.read_timeout,
        )

    def close(self) -> None:
        self.pool.clear()
        pool_manager = getattr(self._client, "pool_manager", None)
        if pool_manager is not None:
            pool_manager.clear()
        self._client.close()

    def stats(self) -> FetchStats:
        return FetchStats(self.bytes_received, self.used_filter, self.blobs_fetched)

    def _deadline_timeout(self) -> FetchTimeout:
        return FetchTimeout(
            f"fetching from {self.location.display_url} took longer than {self.limits.total_timeout:g} s"
        )

    def _watch_socket(self, sock: socket.socket) -> None:
        self._sockets.add(sock)
        if self.deadline_passed:  # connected after the deadline: cut it off too
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _stop_at_deadline(self) -> None:
        """Runs on a timer thread: a server that sends a byte now and then never trips a read timeout,
        so the sockets of this fetch are shut down, which ends the blocked read at once."""
        self.deadline_passed = True
        for sock in list(self._sockets):
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _fetch(
        self,
        determine_wants: Callable[..., list[bytes]],
        context: _FetchContext,
        **options: Any,
    ) -> Any:
        """One fetch_pack into the pool, with byte counting, the pack limit and typed errors."""
        limit = self.limits.max_pack_bytes
        receiver = _PackReceiver(self.pool)

        def receive(data: bytes) -> int:
            context.pack_started = True
            self.bytes_received += len(data)
            if time.monotonic() > self.deadline:
                raise self._deadline_timeout()
            if self.bytes_received > limit:
                raise FetchLimitExceeded(
                    f"the pack from {self.location.display_url} exceeds the limit of {limit} bytes"
                )
            receiver.feed(data)
            return len(data)

        def wants_then_pack_phase(refs: Mapping[bytes, bytes], depth: int | None = None) -> list[bytes]:
            wants = determine_wants(refs)
            context.phase = "pack"
            return wants

        watchdog = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._stop_at_deadline)
        watchdog.daemon = True
        watchdog.start()
        try:
            result = self._client.fetch_pack(self.location.path, wants_then_pack_phase, _NoHaves(), receive, **options)
            receiver.finish()
            return result
        except Exception as error:
            if self.deadline_passed and not isinstance(error, FetchError):
                raise self._deadline_timeout() from error
            mapped = translate_error(error, context)
            if mapped is None or mapped is error:
                raise
            raise mapped from error
        finally:
            watchdog.cancel()

    def open_ref(self, requested: str) -> GitFetchedTree:
        context = _FetchContext(self.location)
        chosen: list[RefTarget] = []

        def determine_wants(refs: Mapping[bytes, bytes]) -> list[bytes]:
            target = resolve_ref(requested, refs)
            chosen.append(target)
            context.unadvertised_commit = not target.advertised
            return [target.sha.encode("ascii")]

        result = self._fetch(
            determine_wants, context, depth=1, filter_spec=b"blob:none", ref_prefix=_ref_prefixes(requested)
        )
        target = chosen[0]
        absent = RefNotFound if not target.advertised else GitServerError
        commit_sha = _peel_to_commit(self.pool, target.sha.encode("ascii"), requested, absent=absent)
        refs = {name: sha for name, sha in (result.refs or {}).items() if sha}
        default = default_branch(refs, result.symrefs or {})
        if requested == "HEAD":
            target = replace(target, name=default or "HEAD")
        commit = self.pool.get(commit_sha)
        assert commit is not None
        tree = GitCommitTree(
            self.pool,
            commit_tree_sha(commit[1]),
            max_files=self.limits.max_files,
            fetch_missing=self.fetch_blobs,
        )
        self.used_filter = tree.missing_blobs_at_start > 0
        fetched_ref = FetchedRef(requested, target.kind, target.name, commit_sha.decode("ascii"), default)
        log.info(
            "fetched %s %s (%s) from %s: %d pack bytes, filter %s",
            target.kind,
            target.name or commit_sha.decode("ascii"),
            commit_sha.decode("ascii"),
            self.location.display_url,
            self.bytes_received,
            "used" if self.used_filter else "not used",
        )
        return GitFetchedTree(
            ref=fetched_ref,
            repository_name=self.location.repository_name,
            display_url=self.location.display_url,
            tree=tree,
            stats=self.stats,
            on_close=self.close,
        )

    def fetch_blobs(self, shas: Sequence[bytes]) -> None:
        """Fetch blobs by SHA in one request (after a filtered fetch)."""
        wanted = list(shas)
        before = self.bytes_received
        self._fetch(lambda _refs: wanted, _FetchContext(self.location, phase="pack"), ref_prefix=[b"HEAD"])
        still_missing = [sha for sha in wanted if not self.pool.has(sha)]
        if still_missing:
            raise GitServerError(
                f"{self.location.display_url} did not send {len(still_missing)} of {len(wanted)} requested blobs"
            )
        self.blobs_fetched += len(wanted)
        log.debug(
            "fetched %d blobs (%d bytes) from %s", len(wanted), self.bytes_received - before, self.location.display_url
        )


# --- local repositories ---------------------------------------------------------------------------------


def _open_local(location: RepositoryLocation, requested: str, limits: FetchLimits) -> GitFetchedTree:
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    if not os.path.isdir(location.path):
        raise RepositoryNotFound(f"no repository at {location.display_url}")
    try:
        repo = Repo(location.path)
    except NotGitRepository:
        raise RepositoryNotFound(f"not a git repository: {location.display_url}") from None
    try:
        refs = {name: sha for name, sha in repo.get_refs().items() if sha}
        symrefs = repo.refs.get_symrefs()
        target = resolve_ref(requested, refs)
        objects = _RepoObjects(repo.object_store)
        commit_sha = _peel_to_commit(objects, target.sha.encode("ascii"), requested, absent=RefNotFound)
        default = default_branch(refs, symrefs)
        if requested == "HEAD":
            target = replace(target, name=default or "HEAD")
        commit = objects.get(commit_sha)
        assert commit is not None
        tree = GitCommitTree(objects, commit_tree_sha(commit[1]), max_files=limits.max_files)
    except BaseException:
        repo.close()
        raise
    fetched_ref = FetchedRef(requested, target.kind, target.name, commit_sha.decode("ascii"), default)
    return GitFetchedTree(
        ref=fetched_ref,
        repository_name=location.repository_name,
        display_url=location.display_url,
        tree=tree,
        stats=lambda: FetchStats(0, False, 0),
        on_close=repo.close,
    )


# --- the port -------------------------------------------------------------------------------------------


class DulwichFetcher:
    """RepositoryFetcher: `open(url, ref)` fetches one ref at depth 1 and returns a GitFetchedTree.

    Stateless and cheap to build; nothing is written to disk (packs are parsed as they arrive).
    """

    def open(
        self,
        url: str,
        ref: str,
        *,
        credentials: Credentials | None = None,
        limits: FetchLimits = FetchLimits(),
    ) -> GitFetchedTree:
        location = parse_location(url)
        requested = _checked_ref(ref)
        if location.transport != "http" and (credentials or location.url_credentials):
            # git:// and local paths have no authentication: silently dropping a token would hide a mistake.
            raise InvalidInput(
                f"credentials apply to http(s) repositories only, not {location.display_url}", field="credentials"
            )
        if location.transport == "local":
            return _open_local(location, requested, limits)
        session = _RemoteSession(location, credentials or location.url_credentials, limits)
        try:
            return session.open_ref(requested)
        except BaseException:
            session.close()
            raise
