"""A fetch session against a remote repository (http://, https://, git://): refs, pack, later blob batches.

  1. One `fetch_pack`. Its `determine_wants` callback sees the advertised refs, resolves the requested ref
     and wants exactly one object; an unknown ref raises RefNotFound there, before any pack is requested.
  2. The want goes out with depth 1 and the filter `blob:none`. dulwich sends the filter only to servers
     that advertise protocol v2 `fetch=... filter` (git http-backend or git daemon with
     uploadpack.allowFilter, GitHub); those send the commit and its trees only. Other servers (dulwich's
     own, protocol v0) send the whole depth-1 pack. Which of the two happened is read from the result (are
     the tree's blobs there?), so a server that advertises the filter and ignores it is handled too.
  3. Pack bytes are counted as they arrive (`FetchLimits.max_pack_bytes` caps the session total, blob
     fetches included) and parsed on the fly by `PackReceiver` into the session's `ObjectPool`.
  4. After a filtered fetch, `read` / `read_many` fetch missing blobs by SHA: one `fetch_pack` per batch,
     no filter, no depth, no haves.

Deadline. Per-socket timeouts do not stop a server that sends a byte now and then, so the whole session has
a deadline (`FetchLimits.total_timeout`): a watchdog timer shuts down every socket of the running fetch when
it passes, which ends a blocked read at once (even mid-packet or mid-headers), and the fetch raises
FetchTimeout.

Progress: an optional callback gets the session's bytes received so far, at most every
`PROGRESS_INTERVAL` seconds while pack data arrives, and once more when a transfer ends (when the count
moved since the last call). Later blob batches report the growing session total too.

Sizes: after a filtered fetch a blob's size is SIZE_UNKNOWN (None) until the blob is read (see commit_tree).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any

from codetracker.adapters.git.commit_tree import GitCommitTree, commit_tree_sha
from codetracker.adapters.git.errors import FetchContext, translate_error
from codetracker.adapters.git.fetched_tree import GitFetchedTree
from codetracker.adapters.git.location import RepositoryLocation
from codetracker.adapters.git.pack_stream import ObjectPool, PackReceiver
from codetracker.adapters.git.refs import RefTarget, default_branch, peel_to_commit, ref_prefixes, resolve_ref
from codetracker.adapters.git.transport import NoHaves, client_classes, http_pool_manager
from codetracker.domain.scan import FetchStats
from codetracker.errors import FetchError, FetchLimitExceeded, FetchTimeout, GitServerError, RefNotFound
from codetracker.ports.git import Credentials, FetchedRef, FetchLimits
from codetracker.ports.network import AddressPolicy

__all__ = ["PROGRESS_INTERVAL", "RemoteSession"]

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.2  # seconds between two progress calls while a pack arrives


class RemoteSession:
    """One client, one object pool and the byte count for one opened tree (and its later blob fetches)."""

    def __init__(
        self,
        location: RepositoryLocation,
        credentials: Credentials | None,
        limits: FetchLimits,
        progress: Callable[[int], None] | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> None:
        self.location = location
        self.address_policy = address_policy
        self.limits = limits
        self.pool = ObjectPool()
        self.bytes_received = 0
        self.deadline = time.monotonic() + limits.total_timeout
        self.deadline_passed = False
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.blobs_fetched = 0
        self.used_filter = False
        self._progress = progress
        self._progress_at = time.monotonic()  # the first call comes one interval after the start
        self._progress_bytes = 0
        self._client = self._build_client(credentials)
        if self.location.transport != "http":
            self._client.on_socket = self._watch_socket

    def _build_client(self, credentials: Credentials | None) -> Any:
        http_client, tcp_client = client_classes()
        if self.location.transport == "http":
            client = http_client(
                self.location.base_url,
                pool_manager=http_pool_manager(
                    self.location.base_url, self.limits, self._watch_socket, self.address_policy
                ),
                username=credentials.username if credentials else None,
                password=credentials.password if credentials else None,
            )
            client.address_policy = self.address_policy
            return client
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
        return FetchStats(
            self.bytes_received, self.used_filter, self.blobs_fetched, "filtered" if self.used_filter else "full"
        )

    def _report_progress(self, *, transfer_ended: bool) -> None:
        if self._progress is None or self.bytes_received == self._progress_bytes:
            return
        now = time.monotonic()
        if not transfer_ended and now - self._progress_at < PROGRESS_INTERVAL:
            return
        self._progress_at, self._progress_bytes = now, self.bytes_received
        self._progress(self.bytes_received)

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
        context: FetchContext,
        **options: Any,
    ) -> Any:
        """One fetch_pack into the pool, with byte counting, the pack limit and typed errors."""
        limit = self.limits.max_pack_bytes
        receiver = PackReceiver(self.pool)

        def receive(data: bytes) -> int:
            context.pack_started = True
            self.bytes_received += len(data)
            if time.monotonic() > self.deadline:
                raise self._deadline_timeout()
            if self.bytes_received > limit:
                raise FetchLimitExceeded(
                    f"the pack from {self.location.display_url} exceeds the limit of {limit} bytes",
                    setting=FetchLimits.SETTINGS["max_pack_bytes"],
                )
            self._report_progress(transfer_ended=False)
            receiver.feed(data)
            return len(data)

        def wants_then_pack_phase(refs: Mapping[bytes, bytes], depth: int | None = None) -> list[bytes]:
            wants = determine_wants(refs)
            context.phase = "pack"
            return wants

        with self._under_deadline(context):
            result = self._client.fetch_pack(self.location.path, wants_then_pack_phase, NoHaves(), receive, **options)
            receiver.finish()
            self._report_progress(transfer_ended=True)
        return result

    @contextmanager
    def _under_deadline(self, context: FetchContext) -> Iterator[None]:
        """One exchange with the server: cut off when the session's deadline passes (FetchTimeout), its
        errors translated to the typed FetchErrors."""
        watchdog = threading.Timer(max(0.0, self.deadline - time.monotonic()), self._stop_at_deadline)
        watchdog.daemon = True
        watchdog.start()
        try:
            yield
        except Exception as error:
            if self.deadline_passed and not isinstance(error, FetchError):
                raise self._deadline_timeout() from error
            mapped = translate_error(error, context)
            if mapped is None or mapped is error:
                raise
            raise mapped from error
        finally:
            watchdog.cancel()

    def list_refs(self) -> tuple[dict[bytes, bytes], dict[bytes, bytes]]:
        """(refs, symrefs) as the server advertises them (ls-remote: HEAD, branches, tags, with `^{}` entries
        for peeled tags), under the session's deadline; no object is fetched."""
        with self._under_deadline(FetchContext(self.location)):
            result = self._client.get_refs(self.location.path, ref_prefix=[b"HEAD", b"refs/heads/", b"refs/tags/"])
        refs = {name: sha for name, sha in (result.refs or {}).items() if sha}
        return refs, dict(result.symrefs or {})

    def open_ref(self, requested: str) -> GitFetchedTree:
        context = FetchContext(self.location)
        chosen: list[RefTarget] = []

        def determine_wants(refs: Mapping[bytes, bytes]) -> list[bytes]:
            target = resolve_ref(requested, refs)
            chosen.append(target)
            context.unadvertised_commit = not target.advertised
            return [target.sha.encode("ascii")]

        result = self._fetch(
            determine_wants, context, depth=1, filter_spec=b"blob:none", ref_prefix=ref_prefixes(requested)
        )
        target = chosen[0]
        absent = RefNotFound if not target.advertised else GitServerError
        commit_sha = peel_to_commit(self.pool, target.sha.encode("ascii"), requested, absent=absent)
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
        self._fetch(lambda _refs: wanted, FetchContext(self.location, phase="pack"), ref_prefix=[b"HEAD"])
        still_missing = [sha for sha in wanted if not self.pool.has(sha)]
        if still_missing:
            raise GitServerError(
                f"{self.location.display_url} did not send {len(still_missing)} of {len(wanted)} requested blobs"
            )
        self.blobs_fetched += len(wanted)
        log.debug(
            "fetched %d blobs (%d bytes) from %s", len(wanted), self.bytes_received - before, self.location.display_url
        )
