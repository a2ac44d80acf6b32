"""The git checkout a folder is in (a plain checkout, a linked worktree or a sub-folder of either): its root,
checked-out branch and HEAD commit, read with dulwich from the repository's own files. Nothing is written.

Anything that is not a readable checkout (no repository above the folder, a bare repository, refs that cannot
be read) is None: the folder is then scanned as a plain folder and the caller asks for what it needs."""

from __future__ import annotations

import os

from codetracker.ports.source_trees import Checkout

_BRANCH_PREFIX = b"refs/heads/"


def find_checkout(path: str) -> Checkout | None:
    from dulwich.errors import NotGitRepository
    from dulwich.refs import HEADREF
    from dulwich.repo import Repo

    try:
        repo = Repo.discover(os.path.realpath(path))
    except (NotGitRepository, OSError, ValueError):
        return None
    try:
        if repo.bare:
            return None
        chain, sha = repo.refs.follow(HEADREF)
    except (OSError, KeyError, ValueError):
        return None
    finally:
        repo.close()
    target = chain[-1] if chain else b""
    branch = target[len(_BRANCH_PREFIX) :].decode("utf-8", "replace") if target.startswith(_BRANCH_PREFIX) else None
    commit = sha.decode("ascii") if sha else None
    return Checkout(root=os.path.realpath(repo.path), branch=branch, commit_sha=commit)
