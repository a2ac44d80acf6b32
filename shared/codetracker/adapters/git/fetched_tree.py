"""GitFetchedTree: the FetchedTree the fetcher returns, over a GitCommitTree, for remote and local repositories.

Cleanup never replaces the exception that triggered it. A Ctrl-C can land anywhere, for instance inside
dulwich's pack reader while a memoryview of the mapped pack is alive in the interrupted frame; closing the
repository then raises BufferError ("cannot close exported pointers exist"). Leaving a `with` block on an
exception, the tree is closed with `close_quietly`: a failing close is logged and the original exception
(the KeyboardInterrupt) goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from codetracker.adapters.git.commit_tree import GitCommitTree
from codetracker.domain.model import TreeEntry
from codetracker.domain.scan import FetchStats
from codetracker.ports.git import FetchedRef

__all__ = ["GitFetchedTree", "close_quietly"]

log = logging.getLogger(__name__)


def close_quietly(close: Callable[[], None], what: str) -> None:
    """Run a cleanup while another exception propagates: its own failure is logged, never raised."""
    try:
        close()
    except Exception:  # noqa: BLE001 - the exception already on its way out matters, not this one
        log.debug("closing %s failed while another exception propagated", what, exc_info=True)


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

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.close()
        else:
            close_quietly(self.close, repr(self))
