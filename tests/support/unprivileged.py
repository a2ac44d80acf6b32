"""Run code as an unprivileged user, so that permission bits apply even when the tests run as root (as in CI).

`chmod 000` denies nothing to root: a test of an unreadable file runs the code under test in a forked child
that dropped to uid/gid 65534 (`nobody`) first. The child is a fork, so it needs no access to the virtualenv;
it needs to traverse the tree under test, which `open_tree` provides (a temporary directory every user can
enter, unlike pytest's tmp_path below a 0700 directory). Not root: the code runs in this process, where the
permission bits already apply.
"""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

NOBODY = 65534
T = TypeVar("T")


def run_unprivileged(function: Callable[..., T], *args: Any) -> T:
    """function(*args) without root's privileges; its result or its exception (pickled back from the child)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return function(*args)
    if not hasattr(os, "fork"):
        pytest.skip("cannot drop privileges without fork")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            try:
                os.setgroups([])
                os.setgid(NOBODY)
                os.setuid(NOBODY)
                outcome: tuple[str, Any] = ("ok", function(*args))
            except BaseException as err:  # noqa: BLE001 - everything goes back to the parent
                outcome = ("raised", err)
            try:
                data = pickle.dumps(outcome)
            except Exception as err:  # noqa: BLE001
                data = pickle.dumps(("raised", RuntimeError(f"unpicklable outcome {outcome!r}: {err}")))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as inp:
        data = inp.read()
    _, wait_status = os.waitpid(pid, 0)
    if not data:
        raise RuntimeError(f"the unprivileged child died (wait status {wait_status})")
    kind, value = pickle.loads(data)
    if kind == "raised":
        raise value
    return value


def _traversable_by_others(path: Path) -> bool:
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [path, *path.parents])


@pytest.fixture
def open_tree() -> Iterator[Path]:
    """An empty temporary directory that the unprivileged user can reach (every ancestor searchable by others).
    Restores permissions before deleting it, for runs that are not root."""
    base = Path(tempfile.mkdtemp(prefix="codetracker-perm-"))
    try:
        base.chmod(0o755)
        if os.geteuid() == 0 and not _traversable_by_others(base):
            pytest.skip(f"{base.parent} cannot be traversed by an unprivileged user")
        yield base
    finally:
        os.chmod(base, 0o755)
        for directory, dirnames, _ in os.walk(base):  # top-down: children are opened before os.walk enters them
            for name in dirnames:
                os.chmod(os.path.join(directory, name), 0o755)
        shutil.rmtree(base, ignore_errors=True)
