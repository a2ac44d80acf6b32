"""tests/support/deep_trees.py: trees deeper than recursion and PATH_MAX allow are removed, and so are the
stale folders pytest's own clean-up would fail on."""

from __future__ import annotations

import os
from pathlib import Path

from tests.support.deep_trees import remove_stale_pytest_folders, remove_tree


def _chain(root: Path, depth: int) -> None:
    """`root/d/d/…` with a file and a read-only directory at the bottom, built through descriptors."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
        os.close(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
        os.mkdir("ro", dir_fd=fd)
        os.close(os.open("ro/g", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
        os.chmod("ro", 0o500, dir_fd=fd)
    finally:
        os.close(fd)


def test_a_tree_deeper_than_recursion_and_path_max_is_removed(tmp_path):
    _chain(tmp_path / "deep", 3_000)
    remove_tree(tmp_path / "deep")
    assert list(tmp_path.iterdir()) == []
    remove_tree(tmp_path / "deep")  # gone already: nothing to do


def test_stale_pytest_folders_go_and_the_newest_locked_and_others_stay(tmp_path):
    root = tmp_path / "pytest-of-someone"
    root.mkdir()
    for n in range(1, 7):
        _chain(root / f"pytest-{n}", 1_500 if n == 1 else 2)
    (root / "pytest-2" / ".lock").touch()  # a session still running
    _chain(root / "garbage-1234", 1_500)
    (root / "unrelated").mkdir()
    removed = remove_stale_pytest_folders(root)
    assert sorted(p.name for p in removed) == ["garbage-1234", "pytest-1", "pytest-3"]
    assert sorted(p.name for p in root.iterdir()) == ["pytest-2", "pytest-4", "pytest-5", "pytest-6", "unrelated"]
