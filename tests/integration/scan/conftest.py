"""A repository served by `git http-backend` on 127.0.0.1, and the adapters a scan needs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codetracker.adapters.git.fetcher import DulwichFetcher
from codetracker.adapters.store_postgres import PostgresBlobCache, PostgresSnapshotStore
from codetracker.parsing import get_parser
from tests.support.git_repos import RepoBuilder
from tests.support.git_servers import GitHttpBackendServer

V1_FILES = {
    "package.json": b'{"name": "widgets", "type": "module"}\n',
    ".codetrackerignore": b"dist/\n",
    "src/index.mjs": b"/**\n * Makes a widget.\n * @param {string} name\n * @returns {Widget}\n */\n"
    b"export function make(name) { return { name }; }\n",
    "src/util.js": b"export const twice = (x) => x * 2;\nexport default function (a, ...more) {}\n",
    "src/cjs.js": b"module.exports = { f() {} };\n",
    "dist/all.js": b"export function bundled() {}\n",
    "src/broken.mjs": b"export function ok() {}\nexport function (\n",
}


def v2_files() -> dict[str, bytes]:
    files = dict(V1_FILES)
    files["src/index.mjs"] = files["src/index.mjs"].replace(b"make(name)", b"make(name, size = 1)")
    files["src/new.mjs"] = b"export async function fresh() {}\n"
    return files


class WidgetsRepo:
    def __init__(self, root: Path) -> None:
        self.path = root / "widgets.git"
        with RepoBuilder.create(self.path) as builder:
            self.v1 = builder.commit(V1_FILES, message="v1")
            builder.tag("v1.0.0", self.v1, annotated=True)
            self.v2 = builder.commit(v2_files(), message="v2")
            builder.tag("v2.0.0", self.v2)
            builder.set_head("main")

    def add_commit(self, files: dict[str, bytes], *, branch: str = "main") -> str:
        with RepoBuilder.open(self.path) as builder:
            return builder.commit(files, branch=branch, message="more")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[GitHttpBackendServer, Path]]:
    root = tmp_path_factory.mktemp("scan-repos")
    with GitHttpBackendServer(root) as server:
        yield server, root


@pytest.fixture
def widgets(served, request) -> WidgetsRepo:
    server, root = served
    folder = root / request.node.name.replace("[", "_").replace("]", "_")
    folder.mkdir()
    repo = WidgetsRepo(folder)
    repo.url = server.url(f"{folder.name}/widgets.git")
    return repo


@pytest.fixture
def scan_deps(postgres_database):
    return {
        "fetcher": DulwichFetcher(),
        "store": PostgresSnapshotStore(postgres_database),
        "cache": PostgresBlobCache(postgres_database),
        "parser": get_parser("auto"),
    }
