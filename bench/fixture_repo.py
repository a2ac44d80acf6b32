"""The fixture repository of the fetch and rescan benchmarks, built at bench time from the npm packages of
the extraction benchmark, and served on 127.0.0.1 by `git http-backend` (tests.support.git_servers).

Layout of bench/.cache/fixture/<full|quick>/packages.git (bare, built with tests.support.git_repos):
    base     commit 1: every unpacked package under packages/<name>-<version>/
    changed  commit 2 (child of base): 1% of the module files that export something get one more exported
             function appended (at least one file)
    main     = changed; branch `feature` = changed + one added file
    tags     v1.0.0 (annotated, base), v1.0.1 (lightweight, changed)
    bench-rescan  a branch the rescan benchmark moves from base to changed between its two scans
A marker file records what the fixture was built from; a different package set rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from common import CACHE, BenchUnavailable, log
from packages import ensure_packages, selected

FIXTURE_VERSION = "1"  # bump when the layout above changes
REPO_NAME = "packages.git"
CHANGED_FRACTION = 0.01
RESCAN_BRANCH = "bench-rescan"


@dataclass(frozen=True)
class Fixture:
    root: Path  # the folder the server serves
    path: Path  # the bare repository
    name: str
    base: str  # commit SHAs
    changed: str
    files: int  # entries in the base commit
    module_files: int  # .js/.mjs files in the base commit
    changed_files: list[str]
    pack_bytes: int  # size of the repository's packs on disk

    def set_branch(self, branch: str, commit: str) -> None:
        from tests.support.git_repos import RepoBuilder

        with RepoBuilder.open(self.path) as builder:
            builder.branch(branch, commit)


def _support():
    try:
        from tests.support import git_repos, git_servers
    except ImportError as err:  # the helpers are part of the project; say exactly what is missing
        raise BenchUnavailable(f"tests/support is incomplete: {err}") from err
    return git_repos, git_servers


def build_fixture(*, quick: bool) -> Fixture:
    git_repos, _ = _support()
    packages = selected(quick)
    folders = ensure_packages(packages)
    identity = json.dumps({"v": FIXTURE_VERSION, "packages": [p.spec for p in packages]}, sort_keys=True)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:16]
    root = CACHE / "fixture" / ("quick" if quick else "full")
    path = root / REPO_NAME
    marker = root / "fixture.json"
    if marker.exists():
        info = json.loads(marker.read_text())
        if info.get("digest") == digest and path.exists():
            return Fixture(
                root,
                path,
                REPO_NAME,
                info["base"],
                info["changed"],
                info["files"],
                info["module_files"],
                info["changed_files"],
                info["pack_bytes"],
            )
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    log(f"building the fixture repository {path} from {len(packages)} packages ...")

    files: dict = {}
    for package in packages:
        prefix = f"packages/{folders[package.name].name}/"
        for rel, spec in git_repos.files_from_folder(folders[package.name]).items():
            files[prefix + rel] = spec
    module_paths = sorted(
        p for p, spec in files.items() if p.endswith((".js", ".mjs")) and isinstance(spec, bytes) and b"export" in spec
    )
    count = max(1, round(len(module_paths) * CHANGED_FRACTION))
    step = max(1, len(module_paths) // count)
    changed_paths = module_paths[::step][:count]
    changed_files = dict(files)
    for index, p in enumerate(changed_paths):
        addition = (
            f"\n/**\n * Added by the benchmark fixture ({index}).\n * @param {{number}} a first\n"
            f" * @param {{string}} [b] second\n * @returns {{number}} a sum\n */\n"
            f"export function benchAdded{index}(a, b = '') {{ return a + b.length; }}\n"
        ).encode()
        changed_files[p] = files[p] + addition
    feature_files = dict(changed_files)
    feature_files["packages/FEATURE.js"] = b"/** A feature. */\nexport function feature(x) { return x; }\n"

    with git_repos.RepoBuilder.create(path) as builder:
        base = builder.commit(files, message="import packages")
        builder.tag("v1.0.0", base, annotated=True)
        changed = builder.commit(changed_files, message=f"change {len(changed_paths)} module files")
        builder.tag("v1.0.1", changed)
        builder.commit(feature_files, branch="feature", parents=[changed], message="feature")
        builder.branch(RESCAN_BRANCH, base)
        builder.set_head("main")
    pack_bytes = sum(p.stat().st_size for p in (path / "objects" / "pack").glob("*.pack"))
    info = {
        "digest": digest,
        "identity": identity,
        "base": base,
        "changed": changed,
        "files": len(files),
        "module_files": sum(1 for p in files if p.endswith((".js", ".mjs"))),
        "changed_files": changed_paths,
        "pack_bytes": pack_bytes,
    }
    marker.write_text(json.dumps(info, indent=1))
    log(f"fixture: {len(files)} files, {len(changed_paths)} changed in commit 2, packs {pack_bytes / 1e6:.1f} MB")
    return Fixture(root, path, REPO_NAME, base, changed, info["files"], info["module_files"], changed_paths, pack_bytes)


class FixtureServer:
    """`git http-backend` on 127.0.0.1 (protocol v2, blob:none filters allowed, like GitHub)."""

    def __init__(self, fixture: Fixture) -> None:
        self.fixture = fixture
        self._server = None

    def start(self) -> None:
        if shutil.which("git") is None:
            raise BenchUnavailable("the git CLI is not installed (needed for git http-backend and git clone)")
        _, git_servers = _support()
        self._server = git_servers.GitHttpBackendServer(self.fixture.root)
        self._server.__enter__()
        log(f"serving {self.fixture.root} at {self._server.base_url} (git http-backend)")

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.url(self.fixture.name)

    def requests(self):
        assert self._server is not None
        return self._server.requests

    def clear_requests(self) -> None:
        assert self._server is not None
        self._server.clear_requests()

    def stop(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None


def git_env(home: Path) -> dict[str, str]:
    """git client environment without the user's or the system's configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "XDG_CONFIG_HOME": str(home / ".config"),
        }
    )
    return env
