"""Local repositories (a plain path or file://), read in place from their own object store.

Nothing is copied, nothing is transferred (bytes_received 0); max_files applies, max_pack_bytes does not.
The repository stays open until the fetched tree is closed.

Closing. dulwich maps pack files with mmap and reads objects through memoryviews of the mapping; after an
interrupted read (Ctrl-C inside the zlib loop) a view can outlive the read in the traceback's frames, and
`mmap.close()` then raises BufferError. That is not a failure of the scan: the mapping is released with the
last view. So a BufferError from closing is logged, not raised, and a failing close never replaces an
exception already propagating (see fetched_tree.close_quietly).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from codetracker.adapters.git.commit_tree import GitCommitTree, commit_tree_sha
from codetracker.adapters.git.fetched_tree import GitFetchedTree, close_quietly
from codetracker.adapters.git.location import RepositoryLocation
from codetracker.adapters.git.refs import default_branch, peel_to_commit, resolve_ref
from codetracker.errors import RefNotFound, RepositoryNotFound
from codetracker.ports import FetchedRef, FetchLimits, FetchStats

__all__ = ["RepoObjects", "open_local"]

log = logging.getLogger(__name__)


class RepoObjects:
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


def _closer(repo: Any, display_url: str) -> Callable[[], None]:
    def close() -> None:
        try:
            repo.close()
        except BufferError:
            # a memoryview of a mapped pack is still alive (an interrupted read): freed with the view
            log.debug("pack mappings of %s are released later: a view is still alive", display_url)

    return close


def open_local(location: RepositoryLocation, requested: str, limits: FetchLimits) -> GitFetchedTree:
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    if not os.path.isdir(location.path):
        raise RepositoryNotFound(f"no repository at {location.display_url}")
    try:
        repo = Repo(location.path)
    except NotGitRepository:
        raise RepositoryNotFound(f"not a git repository: {location.display_url}") from None
    close = _closer(repo, location.display_url)
    try:
        refs = {name: sha for name, sha in repo.get_refs().items() if sha}
        symrefs = repo.refs.get_symrefs()
        target = resolve_ref(requested, refs)
        objects = RepoObjects(repo.object_store)
        commit_sha = peel_to_commit(objects, target.sha.encode("ascii"), requested, absent=RefNotFound)
        default = default_branch(refs, symrefs)
        if requested == "HEAD":
            target = replace(target, name=default or "HEAD")
        commit = objects.get(commit_sha)
        assert commit is not None
        tree = GitCommitTree(objects, commit_tree_sha(commit[1]), max_files=limits.max_files)
    except BaseException:
        close_quietly(close, location.display_url)
        raise
    fetched_ref = FetchedRef(requested, target.kind, target.name, commit_sha.decode("ascii"), default)
    return GitFetchedTree(
        ref=fetched_ref,
        repository_name=location.repository_name,
        display_url=location.display_url,
        tree=tree,
        stats=lambda: FetchStats(0, False, 0),
        on_close=close,
    )
