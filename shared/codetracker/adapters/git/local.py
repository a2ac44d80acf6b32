"""Local repositories (a plain path or file://), read in place from their own object store.

Nothing is copied, nothing is transferred (bytes_received 0); max_files applies, max_pack_bytes does not.
The repository stays open until the fetched tree is closed.

Closing. dulwich maps pack files with mmap and reads objects through memoryviews of the mapping; after an
interrupted read (Ctrl-C inside the zlib loop) a view can outlive the read in the traceback's frames, and
`mmap.close()` then raises BufferError. That is not a failure of the scan: the mapping is released with the
last view. So a BufferError from closing is logged, not raised, and a failing close never replaces an
exception already propagating (see fetched_tree.close_quietly).

Permissions. A repository whose parts cannot be read is RepositoryUnreadable (permanent), naming the part:
`cannot read the repository at PATH: permission denied on objects/pack`. dulwich raises PermissionError for
some parts (objects/pack, pack and index files, config: translated by type, wherever they surface, blob
reads during the scan included) and silently skips others (an unreadable `refs/` or `packed-refs` reads as
"no refs", an unreadable HEAD fails an assertion), so before the refs are read the control files and
folders are checked with os.access. A repository folder that cannot be listed at all is unreadable, not
"not a git repository".
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import suppress
from dataclasses import replace
from typing import Any

from codetracker.adapters.git.commit_tree import GitCommitTree, commit_tree_sha
from codetracker.adapters.git.fetched_tree import GitFetchedTree, close_quietly
from codetracker.adapters.git.location import RepositoryLocation
from codetracker.adapters.git.refs import default_branch, peel_to_commit, resolve_ref
from codetracker.domain.scan import FetchStats
from codetracker.errors import RefNotFound, RepositoryNotFound, RepositoryUnreadable
from codetracker.ports.git import FetchedRef, FetchLimits

__all__ = ["RepoObjects", "open_local"]

log = logging.getLogger(__name__)


class RepoObjects:
    """ObjectSource over a local repository's own object store."""

    def __init__(self, object_store: Any, unreadable: Callable[[PermissionError], RepositoryUnreadable]) -> None:
        self._store = object_store
        self._unreadable = unreadable

    def get(self, sha: bytes) -> tuple[int, bytes] | None:
        try:
            return self._store.get_raw(sha)
        except KeyError:
            return None
        except PermissionError as error:
            raise self._unreadable(error) from error

    def has(self, sha: bytes) -> bool:
        try:
            return sha in self._store
        except PermissionError as error:
            raise self._unreadable(error) from error


def _closer(repo: Any, display_url: str) -> Callable[[], None]:
    def close() -> None:
        try:
            repo.close()
        except BufferError:
            # a memoryview of a mapped pack is still alive (an interrupted read): freed with the view
            log.debug("pack mappings of %s are released later: a view is still alive", display_url)

    return close


def _unreadable(location: RepositoryLocation, part: str) -> RepositoryUnreadable:
    return RepositoryUnreadable(f"cannot read the repository at {location.display_url}: permission denied on {part}")


def _part_name(location: RepositoryLocation, filename: object) -> str:
    """A path inside the repository, relative to it ("objects/pack"); the repository folder by that name."""
    if not isinstance(filename, (str, bytes, os.PathLike)):
        return "a file of it"
    path = os.path.abspath(os.fsdecode(filename))
    root = os.path.abspath(location.path)
    if path == root:
        return "the repository folder"
    if path.startswith(root + os.sep):
        return os.path.relpath(path, root)
    return path


def _translator(location: RepositoryLocation) -> Callable[[PermissionError], RepositoryUnreadable]:
    return lambda error: _unreadable(location, _part_name(location, error.filename))


_READ_DIR = os.R_OK | os.X_OK


def _first_unreadable_part(controldir: str) -> str | None:
    """The first control file or folder this process may not read: the ones dulwich skips silently when
    unreadable (refs, packed-refs, HEAD), plus the object folders and pack files, for a clear message."""
    checks: list[tuple[str, int]] = [(controldir, _READ_DIR), (os.path.join(controldir, "HEAD"), os.R_OK)]
    for name in ("config", "packed-refs"):
        path = os.path.join(controldir, name)
        if os.path.lexists(path):
            checks.append((path, os.R_OK))
    for folder in ("refs", "objects", os.path.join("objects", "pack")):
        path = os.path.join(controldir, folder)
        if os.path.isdir(path):
            checks.append((path, _READ_DIR))
    for path, mode in checks:
        if not os.access(path, mode):
            return path
    refs_errors: list[OSError] = []
    for folder, _dirs, files in os.walk(os.path.join(controldir, "refs"), onerror=refs_errors.append):
        if not os.access(folder, _READ_DIR):
            return folder
        for name in files:
            if not os.access(os.path.join(folder, name), os.R_OK):
                return os.path.join(folder, name)
    if refs_errors and refs_errors[0].filename:
        return str(refs_errors[0].filename)
    pack_dir = os.path.join(controldir, "objects", "pack")
    with suppress(OSError):
        for name in sorted(os.listdir(pack_dir)):
            if name.endswith((".pack", ".idx")) and not os.access(os.path.join(pack_dir, name), os.R_OK):
                return os.path.join(pack_dir, name)
    return None


def _open_repo(location: RepositoryLocation) -> Any:
    from dulwich.errors import NotGitRepository
    from dulwich.repo import Repo

    try:
        os.stat(location.path)
    except PermissionError:
        raise _unreadable(location, "a folder above it") from None
    except OSError:
        pass  # absent: next line
    if not os.path.isdir(location.path):
        raise RepositoryNotFound(f"no repository at {location.display_url}")
    try:
        return Repo(location.path)
    except PermissionError as error:
        raise _translator(location)(error) from error
    except NotGitRepository:
        for candidate in (location.path, os.path.join(location.path, ".git")):
            if os.path.isdir(candidate) and not os.access(candidate, _READ_DIR):
                raise _unreadable(location, _part_name(location, candidate)) from None
        raise RepositoryNotFound(f"not a git repository: {location.display_url}") from None


def open_local(location: RepositoryLocation, requested: str, limits: FetchLimits) -> GitFetchedTree:
    repo = _open_repo(location)
    close = _closer(repo, location.display_url)
    unreadable = _translator(location)
    try:
        part = _first_unreadable_part(repo.controldir())
        if part is not None:
            raise _unreadable(location, _part_name(location, part))
        try:
            refs = {name: sha for name, sha in repo.get_refs().items() if sha}
            symrefs = repo.refs.get_symrefs()
        except PermissionError as error:
            raise unreadable(error) from error
        target = resolve_ref(requested, refs)
        objects = RepoObjects(repo.object_store, unreadable)
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
        stats=lambda: FetchStats(0, False, 0, "local"),
        on_close=close,
    )
