"""`codetracker` as a user runs it (a subprocess) against real Postgres, on repositories built with dulwich: a
snapshot is never replaced by a scan of another source without --replace (issue 16, 4), a checkout needs no
--branch, `show` prints sources and lists every module."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from tests.support.git_repos import RepoBuilder, build_checkout


def _cli(*args, database_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_"))}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "codetracker.cli", *map(str, args)], capture_output=True, text=True, env=env, timeout=120
    )


def _ok(*args, database_url: str) -> str:
    result = _cli(*args, database_url=database_url)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def db(migrated_database_url):
    return migrated_database_url


def _repository(path, functions):
    with RepoBuilder.create(path) as builder:
        sha = builder.commit({f"src/{name}.js": f"export function {name}(a, b) {{}}\n" for name in functions})
        builder.set_head("main")
    return sha


def test_another_repository_under_the_same_slug_is_refused_naming_both(tmp_path, db):
    leaflet, d3 = tmp_path / "Leaflet.git", tmp_path / "d3-array.git"
    leaflet_sha = _repository(leaflet, ["map", "marker"])
    d3_sha = _repository(d3, ["bisect", "extent", "sum"])
    _ok("scan", leaflet, "--ref", "main", database_url=db)

    refused = _cli("scan", d3, "--ref", "main", "--slug", "leaflet", database_url=db)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("codetracker: error: leaflet (branch 'main', release 'HEAD') was scanned from ")
    assert str(tmp_path / "Leaflet") in refused.stderr and str(tmp_path / "d3-array") in refused.stderr
    assert "--replace" in refused.stderr
    kept = json.loads(_ok("show", "leaflet", "--tag", "HEAD", "--json", database_url=db))
    assert kept["snapshot"]["commit_sha"] == leaflet_sha and {f["name"] for f in kept["functions"]} == {"map", "marker"}
    assert kept["snapshot"]["source"] == {"location": f"file://{tmp_path / 'Leaflet'}", "subpath": ""}

    # the same repository, spelled another way (file://, trailing .git), is the same source
    _ok("scan", f"file://{leaflet}", "--ref", "main", database_url=db)
    replaced = json.loads(_ok("scan", d3, "--ref", "main", "--slug", "leaflet", "--replace", "--json", database_url=db))
    assert replaced["commit_sha"] == d3_sha and replaced["functions_count"] == 3
    assert "source: " + str(tmp_path / "d3-array") in _ok("show", "leaflet", "--tag", "HEAD", database_url=db)


def test_a_monorepo_sub_folder_never_replaces_the_whole_repository(tmp_path, db):
    root = tmp_path / "svelte"
    sha = build_checkout(
        root,
        {
            "package.json": b'{"name": "svelte-monorepo"}\n',
            "index.mjs": b"export function compile(source) {}\n",
            "packages/svelte/src/index.mjs": b"export function mount(component, options) {}\n",
        },
    )
    whole = json.loads(_ok("scan", root, "--ref", "main", "--json", database_url=db))
    assert (whole["module_slug"], whole["commit_sha"]) == ("svelte", sha)

    refused = _cli("scan", root / "packages" / "svelte", database_url=db)  # branch and commit from the checkout
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert f"{root} (folder packages/svelte)" in refused.stderr and f"scanned from {root}," in refused.stderr
    shown = json.loads(_ok("show", "svelte", "--tag", "HEAD", "--json", database_url=db))
    assert shown["snapshot"]["commit_sha"] == sha and [f["name"] for f in shown["functions"]] == ["compile", "mount"]

    # the checkout read as a folder (no --branch: its branch and HEAD) is the whole repository again
    again = json.loads(_ok("scan", root, "--json", database_url=db))
    assert (again["branch_name"], again["commit_sha"], again["source"]["subpath"]) == ("main", sha, "")
    package = json.loads(_ok("scan", root / "packages" / "svelte", "--slug", "svelte-pkg", "--json", database_url=db))
    assert package["source"] == {"location": f"file://{root}", "subpath": "packages/svelte"}

    listing = _ok("show", database_url=db)
    header, *rows = listing.splitlines()
    assert header.split()[0] == "module_slug" and header.split()[-1] == "source"
    assert [r.split()[0] for r in rows] == ["svelte", "svelte-pkg"]
    assert rows[1].endswith(f"{root} (folder packages/svelte)")


def test_a_snapshot_stored_before_sources_were_recorded_is_taken_over_once(tmp_path, db):
    first, second = tmp_path / "one.git", tmp_path / "two.git"
    _repository(first, ["a"])
    _repository(second, ["b"])
    _ok("scan", first, "--ref", "main", "--slug", "lib", database_url=db)
    with psycopg.connect(db) as conn:  # as migration 0011 leaves every older snapshot
        conn.execute("UPDATE modules SET source_location = NULL, source_subpath = ''")
    assert "source: an unrecorded source" in _ok("show", "lib", "--tag", "HEAD", database_url=db)
    _ok("scan", second, "--ref", "main", "--slug", "lib", database_url=db)  # never refused: nothing to compare
    refused = _cli("scan", first, "--ref", "main", "--slug", "lib", database_url=db)
    assert refused.returncode == 2 and str(tmp_path / "two") in refused.stderr


def test_on_an_80_column_terminal_files_and_names_are_whole_and_descriptions_give_way(tmp_path, db):
    import fcntl
    import pty
    import struct
    import termios

    folder = tmp_path / "svelte"
    (folder / "packages" / "svelte" / "src").mkdir(parents=True)
    (folder / "packages" / "svelte" / "src" / "index.js").write_text(
        "/** @param {{ target: Element, props?: Record<string, any>, hydrate?: boolean }} options\n"
        " * @returns {SvelteComponent} */\nexport function SvelteComponent(options) {}\n"
    )
    _ok("scan", folder, "--branch", "main", database_url=db)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CODE_TRACKER_", "COLUMNS"))}
    env["DATABASE_URL"] = db
    try:
        process = subprocess.run(
            [sys.executable, "-m", "codetracker.cli", "show", "svelte", "--tag", "HEAD"],
            stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the pty is closed once everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        if follower >= 0:
            os.close(follower)
        os.close(leader)
    assert process.returncode == 0, process.stderr
    lines = b"".join(chunks).decode().replace("\r\n", "\n").splitlines()
    row = next(line for line in lines if "SvelteComponent" in line)
    assert all(len(line) <= 80 for line in lines[2:]), lines  # the heading and source lines are not a table
    assert "packages/svelte/src/index.js" in row and " SvelteComponent " in row
    assert "…" in row  # the parameters and return type were cut instead
