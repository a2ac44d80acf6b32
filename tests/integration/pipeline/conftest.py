"""The pipeline against real parts: Postgres, SQS and S3 in moto, git over HTTP (`git http-backend`) or a local
repository, a webhook receiver on 127.0.0.1 verifying with `standardwebhooks`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.git_repos import RepoBuilder
from tests.support.git_servers import GitHttpBackendServer
from tests.support.pipeline import Pipeline, Queues, make_pipeline, moto_queues, settings_env
from tests.support.webhook_receiver import WebhookReceiver

FILES_V1 = {
    "package.json": b'{"name": "strings", "type": "module"}\n',
    "src/index.mjs": b"/** Camel case.\n * @param {string} s\n * @returns {string} */\n"
    b"export function camel(s) { return s; }\n"
    b"/** Kebab case. @param {string} s */\nexport function kebab(s) { return s; }\n",
    "src/old.mjs": b"export function gone() {}\n",
}


def files_v2() -> dict[str, bytes]:
    files = dict(FILES_V1)
    del files["src/old.mjs"]
    files["src/index.mjs"] = files["src/index.mjs"].replace(b"camel(s)", b"camel(s, upper = false)")
    files["src/new.mjs"] = b"export async function snake(s) {}\n"
    return files


@pytest.fixture(scope="module")
def git_server(tmp_path_factory) -> Iterator[tuple[GitHttpBackendServer, Path]]:
    root = tmp_path_factory.mktemp("pipeline-repos")
    with GitHttpBackendServer(root) as server:
        yield server, root


class Repo:
    def __init__(self, path: Path, url: str) -> None:
        self.path, self.url = path, url
        with RepoBuilder.create(path) as builder:
            self.v1 = builder.commit(FILES_V1, message="v1")
            builder.set_head("main")

    def commit(self, files: dict[str, bytes], *, branch: str = "main") -> str:
        with RepoBuilder.open(self.path) as builder:
            return builder.commit(files, branch=branch, message="change")

    def tag(self, name: str, sha: str, *, annotated: bool = False) -> None:
        with RepoBuilder.open(self.path) as builder:
            builder.tag(name, sha, annotated=annotated)


@pytest.fixture
def http_repo(git_server, request) -> Repo:
    server, root = git_server
    name = request.node.name.replace("[", "_").replace("]", "_")[:60] + ".git"
    return Repo(root / name, server.url(name))


@pytest.fixture
def local_repo(tmp_path) -> Repo:
    path = tmp_path / "strings.git"
    return Repo(path, f"file://{path}")


@pytest.fixture
def queues(monkeypatch) -> Iterator[Queues]:
    with moto_queues(monkeypatch, notify_max_attempts=3, visibility_s=30) as found:
        yield found


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as found:
        yield found


@pytest.fixture
def pipeline(migrated_database_url, queues) -> Iterator[Pipeline]:
    harness = make_pipeline(migrated_database_url, queues, env=settings_env(queues))
    try:
        yield harness
    finally:
        harness.close()


@pytest.fixture
def app(pipeline, receiver) -> dict:
    """An app whose callback is the receiver; the receiver verifies with its signing secret."""
    created = pipeline.create_app(receiver.url)
    receiver.secret = created["signing_secret"]
    return created
