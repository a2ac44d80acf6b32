"""Unreadable parts of a local repository are a permanent, typed error naming the part, never PermissionError.

Run as uid 65534 in a forked child (tests run as root, for whom chmod 000 denies nothing): see
tests/support/git_unprivileged.py.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.git_servers import closed_port, git_executable
from tests.support.git_unprivileged import open_as_unprivileged, permissions_apply, readable_copy, remove_copy

pytestmark = pytest.mark.skipif(not permissions_apply(), reason="file permissions cannot be made to deny reads here")


def _pack_refs(repo: Path) -> None:
    """Move the refs into packed-refs, as `git gc` does (refs/ stays, with empty folders)."""
    env = {"PATH": os.environ.get("PATH", ""), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run([git_executable(), "-C", str(repo), "pack-refs", "--all"], check=True, env=env)
    assert (repo / "packed-refs").is_file()


def _chmod_packs(repo: Path, suffix: str) -> None:
    packs = sorted((repo / "objects" / "pack").glob(f"*{suffix}"))
    assert packs
    for pack in packs:
        os.chmod(pack, 0)


def _pack_name(repo: Path, suffix: str) -> str:
    return "objects/pack/" + sorted((repo / "objects" / "pack").glob(f"*{suffix}"))[0].name


DAMAGE: dict[str, tuple[Callable[[Path], None], Callable[[Path], str]]] = {
    # name: (make it unreadable, the part the message must name)
    "objects/pack": (lambda r: os.chmod(r / "objects" / "pack", 0), lambda r: "objects/pack"),
    "objects": (lambda r: os.chmod(r / "objects", 0), lambda r: "objects"),
    "a .pack file": (lambda r: _chmod_packs(r, ".pack"), lambda r: _pack_name(r, ".pack")),
    "a .idx file": (lambda r: _chmod_packs(r, ".idx"), lambda r: _pack_name(r, ".idx")),
    "refs": (lambda r: os.chmod(r / "refs", 0), lambda r: "refs"),
    "refs/tags": (lambda r: os.chmod(r / "refs" / "tags", 0), lambda r: "refs/tags"),
    "a loose ref": (lambda r: os.chmod(r / "refs" / "heads" / "main", 0), lambda r: "refs/heads/main"),
    "packed-refs and refs": (
        lambda r: (_pack_refs(r), os.chmod(r / "packed-refs", 0), os.chmod(r / "refs", 0)),
        lambda r: "packed-refs",
    ),
    "HEAD": (lambda r: os.chmod(r / "HEAD", 0), lambda r: "HEAD"),
    "config": (lambda r: os.chmod(r / "config", 0), lambda r: "config"),
    "the whole repository": (lambda r: os.chmod(r, 0), lambda r: "the repository folder"),
    "the folder above it": (lambda r: os.chmod(r.parent, 0o700), lambda r: "a folder above it"),
}


@pytest.fixture
def damaged(sample):
    """name -> (copy of the sample repository with that part unreadable, expected part name)."""
    copies: dict[str, tuple[Path, str]] = {}
    try:
        for name, (damage, part) in DAMAGE.items():
            copy = readable_copy(sample.path)
            expected = part(copy)
            damage(copy)
            copies[name] = (copy, expected)
        yield copies
    finally:
        for copy, _part in copies.values():
            remove_copy(copy)


def test_each_unreadable_part_is_a_permanent_error_naming_it(damaged, sample):
    names = list(damaged)
    results = open_as_unprivileged([(str(damaged[name][0]), "main", False) for name in names], warm_up=sample.path)
    for name, result in zip(names, results):
        copy, part = damaged[name]
        assert result.get("error") == "RepositoryUnreadable", (name, result)
        assert result["message"] == f"cannot read the repository at {copy}: permission denied on {part}", name
        assert result["retryable"] is False


def test_an_intact_copy_reads_as_the_unprivileged_user(sample):
    copy = readable_copy(sample.path)
    try:
        cases = [(str(copy), "main", False), (str(copy), "v1.0.0", False)]
        assert open_as_unprivileged(cases, warm_up=sample.path) == [
            {"error": None},
            {"error": None},
        ]
    finally:
        remove_copy(copy)


def test_cli_prints_one_line_and_exits_2(damaged, sample):
    # the database is never reached: the repository fails first (an unreachable URL proves it)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
    env["DATABASE_URL"] = f"postgresql://codetracker@127.0.0.1:{closed_port()}/none"
    copy, part = damaged["objects/pack"]
    [result] = open_as_unprivileged([(str(copy), "main", True)], warm_up=sample.path, env=env)
    assert result == {
        "exit": 2,
        "stderr": f"codetracker: error: cannot read the repository at {copy}: permission denied on {part}\n",
    }
