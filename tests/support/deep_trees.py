"""Removing directory trees thousands of levels deep. `shutil.rmtree` recurses once per level (RecursionError
near 1,000) and a full path beyond ~2,000 levels is longer than PATH_MAX, so pytest's own clean-up of old
temporary folders fails on them and exits 1 after every test passed. Here: no recursion, no long path —
each directory's children are renamed up into the top directory (two descriptors open at a time), so the
tree flattens as it empties."""

from __future__ import annotations

import os
import re
import stat
import uuid
from pathlib import Path

_DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW


def remove_tree(root: Path) -> None:
    """Remove `root` and everything below it, however deep. A missing `root` is fine."""
    try:
        top = os.open(root, _DIRECTORY)
    except FileNotFoundError:
        return
    prefix = f".hoisted-{uuid.uuid4().hex}-"
    hoisted = 0
    try:
        while names := os.listdir(top):
            for name in names:
                if not stat.S_ISDIR(os.stat(name, dir_fd=top, follow_symlinks=False).st_mode):
                    os.unlink(name, dir_fd=top)
                    continue
                child = os.open(name, _DIRECTORY, dir_fd=top)
                try:
                    os.chmod(child, 0o700)  # a read-only directory's entries cannot be renamed away
                    for inner in os.listdir(child):
                        hoisted += 1
                        os.rename(inner, f"{prefix}{hoisted}", src_dir_fd=child, dst_dir_fd=top)
                finally:
                    os.close(child)
                os.rmdir(name, dir_fd=top)
    finally:
        os.close(top)
    os.rmdir(root)


def remove_stale_pytest_folders(temproot: Path, keep: int = 3) -> list[Path]:
    """Remove, as pytest's clean-up would, the numbered folders of `temproot` (`pytest-of-<user>`) older than
    the newest `keep` whose session has ended (no `.lock`), and the `garbage-*` folders pytest renamed for
    deletion — but without recursion, so deep leftovers of an earlier run cannot break this one. Folders
    another process removes meanwhile are skipped."""
    if not temproot.is_dir():
        return []
    numbered = sorted((int(m.group(1)), p) for p in temproot.iterdir() if (m := re.fullmatch(r"pytest-(\d+)", p.name)))
    doomed = [p for _, p in numbered[:-keep] if not (p / ".lock").exists()]
    doomed += [p for p in temproot.iterdir() if p.name.startswith("garbage-")]
    removed = []
    for path in doomed:
        try:
            remove_tree(path)
        except OSError:  # another pytest session is removing it too, or it is not ours to remove
            continue
        removed.append(path)
    return removed
