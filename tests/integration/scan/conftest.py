"""A repository served by `git http-backend` on 127.0.0.1, and the adapters a scan needs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from codetracker.adapters.git.fetcher import DulwichFetcher
from codetracker.adapters.postgres.unit_of_work import PostgresUnitOfWorkFactory
from codetracker.domain.model import SnapshotSummary
from codetracker.domain.scan import ExtractionStats, FetchStats
from codetracker.parsing import get_parser
from codetracker.parsing.extractor import ParserExtractor
from codetracker.usecases import scan as scan_usecase
from codetracker.usecases.blob_cache import UnitOfWorkBlobCache
from codetracker.usecases.extract import ExtractionPorts
from codetracker.usecases.persist import persist_scan
from codetracker.usecases.scan_requests import ScanRepositoryRequest
from codetracker.wiring import utc_now

from tests.support.git_repos import RepoBuilder
from tests.support.git_servers import GitHttpBackendServer
from tests.support.stores import CommittingSnapshotStore

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
    unit_of_work = PostgresUnitOfWorkFactory(postgres_database)
    return {
        "fetcher": DulwichFetcher(),
        "store": CommittingSnapshotStore(unit_of_work),
        "unit_of_work": unit_of_work,
        "parser": get_parser("auto"),
    }


@dataclass(frozen=True)
class ScanOutcome:
    summary: SnapshotSummary
    extraction: ExtractionStats
    fetch: FetchStats | None


def scan_repository(url: str, ref: str, *, fetcher, store, unit_of_work, parser, **request_fields) -> ScanOutcome:
    """What `codetracker scan URL --ref REF` does: scan, then persist, in one process."""
    result = scan_usecase.scan_repository(
        ScanRepositoryRequest(url, ref, **request_fields),
        fetching=scan_usecase.FetchPorts(fetcher),
        clock=utc_now,
        extraction=ExtractionPorts(ParserExtractor(parser), cache=UnitOfWorkBlobCache(unit_of_work)),
    )
    summary = persist_scan(result, unit_of_work=unit_of_work).summary
    return ScanOutcome(summary, result.extraction, result.fetch)
