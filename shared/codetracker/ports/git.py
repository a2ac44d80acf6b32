"""Fetching a git repository: one ref at depth 1 as a tree, or the refs it advertises."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import ClassVar, Protocol

from codetracker.domain.scan import FetchStats
from codetracker.ports.network import AddressPolicy
from codetracker.ports.source_trees import SourceTree


@dataclass(frozen=True, slots=True)
class FetchedRef:
    """A repository ref resolved by a fetcher."""

    requested: str  # the ref as the caller gave it
    kind: str  # "branch" | "tag" | "commit"
    name: str  # the short branch or tag name ("" for a commit)
    commit_sha: str
    default_branch: str | None  # the remote's default branch, when it advertises one


class FetchedTree(SourceTree, Protocol):
    ref: FetchedRef
    repository_name: str
    display_url: str  # the repository's URL or path without credentials: safe to store and show

    def stats(self) -> FetchStats: ...

    def close(self) -> None:
        """Remove every temporary file the fetch made."""
        ...

    def __enter__(self) -> FetchedTree: ...

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        """close()"""
        ...


@dataclass(frozen=True, slots=True)
class Credentials:
    """A token for a private repository. repr() never shows it."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"Credentials(username={self.username!r}, password='***')"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    max_pack_bytes: int = 512 * 1024 * 1024
    max_files: int = 200_000
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    # Per-socket timeouts do not stop a server that keeps sending a few bytes at a time: the whole
    # fetch session (refs, pack, later blob batches) gets a deadline too.
    total_timeout: float = 600.0

    # The variable that sets each limit: settings.py reads them, limit errors name them.
    SETTINGS: ClassVar[Mapping[str, str]] = {
        "max_pack_bytes": "CODE_TRACKER_MAX_PACK_BYTES",
        "max_files": "CODE_TRACKER_MAX_FILES",
        "connect_timeout": "CODE_TRACKER_GIT_CONNECT_TIMEOUT",
        "read_timeout": "CODE_TRACKER_GIT_READ_TIMEOUT",
        "total_timeout": "CODE_TRACKER_GIT_TOTAL_TIMEOUT",
    }


@dataclass(frozen=True, slots=True)
class RepositoryAccess:
    """A repository to read and how: its URL (http(s), git://, file://) or local path, credentials (http(s)
    only), the limits of the fetch, and where connections may go (`address_policy`: what it refuses raises
    AddressRefused or RedirectRefused)."""

    url: str
    _: KW_ONLY
    credentials: Credentials | None = None
    limits: FetchLimits = FetchLimits()
    address_policy: AddressPolicy | None = None


class RepositoryFetcher(Protocol):
    def open(self, access: RepositoryAccess, ref: str, *, progress: Callable[[int], None] | None = None) -> FetchedTree:
        """Fetch one ref at depth 1. Raises the typed FetchError subclasses of codetracker.errors.

        progress, when given, is called with the bytes received so far, a few times per second at most
        while data arrives (and once at the end of each transfer); never for a local repository."""
        ...


@dataclass(frozen=True, slots=True)
class RemoteRefs:
    """What a repository advertises, listed without fetching objects."""

    default_branch: str | None
    branches: Mapping[str, str]  # short name → commit sha
    tags: Mapping[str, str]  # short name → commit sha (annotated tags peeled)


class RefLister(Protocol):
    def list_refs(self, access: RepositoryAccess) -> RemoteRefs:
        """Raises the typed FetchError subclasses, like a fetch (and under the same `address_policy`)."""
        ...
