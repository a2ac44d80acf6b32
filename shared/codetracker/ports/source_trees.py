"""Trees of files to scan: a folder on disk (with the git checkout it may be in)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

from codetracker.domain.model import ScanProblem, TreeEntry


class SourceTree(Protocol):
    """A tree of files to scan: a folder on disk, or one commit of a git repository."""

    def entries(self) -> Sequence[TreeEntry]:
        """Every entry of the tree, sorted by path (the file manifest)."""
        ...

    def read(self, path: str) -> bytes | None:
        """Content of one regular file, or None when the tree has no such file."""
        ...

    def read_many(self, entries: Sequence[TreeEntry]) -> Iterator[tuple[TreeEntry, bytes]]:
        """Contents of several files; a remote tree fetches the missing blobs in one round trip."""
        ...


class FolderTree(SourceTree, Protocol):
    """A folder on disk as a tree."""

    @property
    def name(self) -> str:
        """The folder's own name (of its resolved path: `.` is the current folder's name)."""
        ...

    @property
    def location(self) -> str:
        """The resolved path, recorded beside a snapshot."""
        ...

    def problems(self) -> Sequence[ScanProblem]:
        """What the walk could not read (an unreadable subfolder, file), to be recorded in the descriptor."""
        ...


@dataclass(frozen=True, slots=True)
class Checkout:
    """The git checkout a folder is in, as its HEAD says: what a folder scan records by default."""

    root: str  # the working tree's resolved path
    branch: str | None  # the checked-out branch; None: a detached HEAD
    commit_sha: str | None  # HEAD's commit; None: no commit yet
