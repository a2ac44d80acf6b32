"""Repositories built with dulwich and served on 127.0.0.1, shared by the git fetch tests of this folder."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from codetracker.adapters.git.fetcher import DulwichFetcher
from tests.support.git_repos import SampleRepo, build_sample_repo, repack_with_git
from tests.support.git_servers import DulwichHttpServer, GitDaemon, GitHttpBackendServer

# Large and random (incompressible), read by no test that checks transfer sizes: a filtered fetch skips it.
BIG_BLOB_BYTES = 256 * 1024
TOKEN = "ghp_TestTokenValue0123456789abcdefXYZ"


@pytest.fixture(scope="session")
def repo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("served-repos")


@pytest.fixture(scope="session")
def sample(repo_root: Path) -> SampleRepo:
    built = build_sample_repo(repo_root, big_blob_bytes=BIG_BLOB_BYTES)
    repack_with_git(built.path)  # deltas in the served packs, as on real servers
    return built


@pytest.fixture(scope="session")
def http_backend(repo_root: Path, sample: SampleRepo) -> Iterator[GitHttpBackendServer]:
    with GitHttpBackendServer(repo_root) as server:
        yield server


@pytest.fixture(scope="session")
def dulwich_http(repo_root: Path, sample: SampleRepo) -> Iterator[DulwichHttpServer]:
    with DulwichHttpServer(repo_root) as server:
        yield server


@pytest.fixture(scope="session")
def git_daemon(repo_root: Path, sample: SampleRepo) -> Iterator[GitDaemon]:
    with GitDaemon(repo_root) as daemon:
        yield daemon


@pytest.fixture(scope="session")
def auth_backend(repo_root: Path, sample: SampleRepo) -> Iterator[GitHttpBackendServer]:
    with GitHttpBackendServer(repo_root, token=TOKEN) as server:
        yield server


@dataclass(frozen=True)
class Transport:
    name: str
    url: str
    filters: bool  # the server honours blob:none
    server: object | None  # the server object, for its request log (None for local paths)


TRANSPORTS = ["http-backend", "dulwich-http", "git-daemon", "local-path", "file-url"]


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest, sample: SampleRepo) -> Transport:
    name = request.param
    if name == "http-backend":
        server = request.getfixturevalue("http_backend")
        return Transport(name, server.url(sample.name), True, server)
    if name == "dulwich-http":
        server = request.getfixturevalue("dulwich_http")
        return Transport(name, server.url(sample.name), False, server)
    if name == "git-daemon":
        daemon = request.getfixturevalue("git_daemon")
        return Transport(name, daemon.url(sample.name), True, daemon)
    if name == "local-path":
        return Transport(name, str(sample.path), False, None)
    return Transport(name, sample.path.as_uri(), False, None)


@pytest.fixture
def fetcher() -> DulwichFetcher:
    return DulwichFetcher()
