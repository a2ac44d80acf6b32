"""Issue 17.5: trees thousands of directories deep, through the `codetracker` command. Selection once raised
RecursionError beyond ~990 levels (a traceback in the CLI; in the scanner, retries, the DLQ and a job stuck in
`scanning` with the error code `RecursionError`)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codetracker.adapters.memory_store.unit_of_work import MemoryUnitOfWorkFactory
from codetracker.cli import main
from codetracker.settings import Settings
from codetracker.wiring import Services
from tests.support.deep_trees import remove_tree
from tests.support.git_repos import RepoBuilder

DEPTH = 3_000
EXPORT = b"export function f%d(a) {}\n"


@pytest.fixture(autouse=True)
def _deep_trees_removed(tmp_path: Path) -> Iterator[None]:
    """Each test's trees go with it, pass or fail: pytest's later clean-up of old temporary folders recurses
    and would fail on them (RecursionError, exit 1 after every test passed)."""
    yield
    for child in list(tmp_path.iterdir()):
        if child.is_dir() and not child.is_symlink():
            remove_tree(child)
        else:
            child.unlink()


def _deep_folder(root: Path, depth: int, modules_at: tuple[int, ...]) -> None:
    """`d/d/…` `depth` levels, a module at each level of `modules_at`. Built through directory descriptors:
    the full path is longer than PATH_MAX (4,096 bytes) from ~2,000 levels on."""
    root.mkdir()
    (root / ".codetrackerignore").write_bytes(b"*.tmp.mjs\n")
    fd = os.open(root, os.O_RDONLY)
    try:
        for level in range(depth):
            if level in modules_at:
                for name, content in ((b"m.mjs", EXPORT % level), (b"x.tmp.mjs", b"export function no() {}\n")):
                    file_fd = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
                    os.write(file_fd, content)
                    os.close(file_fd)
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = child
    finally:
        os.close(fd)


def test_extract_walks_a_folder_thousands_of_levels_deep(tmp_path):
    folder = tmp_path / "pkg"
    _deep_folder(folder, DEPTH, modules_at=(0, 500, 1500))
    result = subprocess.run(
        [sys.executable, "-m", "codetracker.cli", "extract", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr[-2000:]
    descriptor = json.loads(result.stdout)
    found = {(f["file_path"].count("/"), f["name"]) for f in descriptor["functions"]}
    assert found == {(0, "f0"), (500, "f500"), (1500, "f1500")}  # 1,500 levels: beyond the old recursion
    # Below ~2,000 levels the path is longer than the OS takes: a problem of the walk, not a crash.
    (problem,) = descriptor["problems"]
    assert problem["kind"] == "skipped" and "could not be read" in problem["reason"]


def test_scan_of_a_git_repository_thousands_of_levels_deep(tmp_path):
    deep = "/".join(["d"] * DEPTH)
    files = {
        ".codetrackerignore": b"*.tmp.mjs\nd/d/**/x/\n",
        f"{deep}/m.mjs": EXPORT % DEPTH,
        f"{deep}/x.tmp.mjs": b"export function no() {}\n",
        f"{deep}/x/hidden.mjs": b"export function hidden() {}\n",
        "top.mjs": EXPORT % 0,
    }
    with RepoBuilder.create(tmp_path / "deep.git") as builder:
        builder.commit(files)
        builder.set_head("main")
    services = Services(Settings.from_env({}), unit_of_work=MemoryUnitOfWorkFactory())
    out, err = io.StringIO(), io.StringIO()
    code = main(["scan", str(tmp_path / "deep.git"), "--ref", "main", "--json"], services=services, out=out, err=err)
    assert code == 0, err.getvalue()[-2000:]
    summary = json.loads(out.getvalue())
    assert (summary["functions_count"], summary["problems_count"], summary["files_count"]) == (2, 0, len(files))
    shown = io.StringIO()
    argv = ["show", "deep", "--branch", "main", "--tag", "HEAD", "--json"]
    assert main(argv, services=services, out=shown, err=err) == 0
    names = sorted(f["name"] for f in json.loads(shown.getvalue())["functions"])
    assert names == ["f0", f"f{DEPTH}"]  # the ignored file and the ignored directory deep down are not
