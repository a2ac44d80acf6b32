"""blob:none first, blobs on demand where the server supports it; the full depth-1 fetch everywhere else."""

from __future__ import annotations

import pytest

from codetracker.adapters.git.commit_tree import SIZE_UNKNOWN
from codetracker.domain.model import EntryKind
from codetracker.errors import RefNotFound
from tests.integration.git.conftest import BIG_BLOB_BYTES
from tests.support.git_repos import expected_entries
from tests.support.git_servers import GitHttpBackendServer
from codetracker.ports.git import RepositoryAccess

SOURCE_FILES = ["src/index.js", "src/latin1.js", "src/util/strings.js"]


def fetch_requests(server) -> list:
    return [record for record in server.requests if record.git_command == "fetch"]


def test_http_backend_fetches_trees_first_and_blobs_on_demand(fetcher, http_backend, sample):
    http_backend.clear_requests()
    with fetcher.open(RepositoryAccess(http_backend.url(sample.name)), "main") as tree:
        stats = tree.stats()
        assert stats.used_filter is True
        assert stats.blobs_fetched == 0
        assert 0 < stats.bytes_received < 4096  # commit and trees only
        files = [entry for entry in tree.entries() if entry.kind is EntryKind.FILE]
        assert files and all(entry.size is SIZE_UNKNOWN for entry in files)  # sizes come with the blobs
        assert all(entry.sha for entry in files)  # blob SHAs come with the trees
        assert len(fetch_requests(http_backend)) == 1

        # one small file: one request, one blob
        assert tree.read(".codetrackerignore") == b"dist/\n*.min.js\n"
        assert tree.stats().blobs_fetched == 1
        assert len(fetch_requests(http_backend)) == 2

        # a batch: one request for all of them, real sizes on the yielded entries
        wanted = [entry for entry in files if entry.path in SOURCE_FILES]
        expected = {x.path: x for x in expected_entries(sample.main_files)}
        read = list(tree.read_many(wanted))
        assert [(entry.path, entry.size, content) for entry, content in read] == [
            (path, expected[path].size, expected[path].content) for path in SOURCE_FILES
        ]
        assert len(fetch_requests(http_backend)) == 3
        assert tree.stats().blobs_fetched == 1 + len(SOURCE_FILES)

        # reading again costs nothing; entries() now knows those sizes
        assert tree.read("src/index.js") == expected["src/index.js"].content
        assert len(fetch_requests(http_backend)) == 3
        sizes = {entry.path: entry.size for entry in tree.entries()}
        assert all(sizes[path] == expected[path].size for path in SOURCE_FILES)
        assert sizes[sample.big_blob_path] is SIZE_UNKNOWN

        # the big blob nobody asked for never crossed the wire
        filtered_bytes = tree.stats().bytes_received
        assert filtered_bytes < BIG_BLOB_BYTES
        assert sum(record.response_bytes for record in fetch_requests(http_backend)) < BIG_BLOB_BYTES


def test_filtered_fetch_transfers_less_than_a_full_fetch(fetcher, repo_root, http_backend, sample):
    def scan_like(url: str) -> int:
        with fetcher.open(RepositoryAccess(url), "main") as tree:
            tree.read(".codetrackerignore")
            js = [e for e in tree.entries() if e.path.endswith(".js") and e.kind is EntryKind.FILE]
            for _entry, _content in tree.read_many(js):
                pass
            return tree.stats().bytes_received

    filtered = scan_like(http_backend.url(sample.name))
    with GitHttpBackendServer(repo_root, allow_filter=False) as plain:
        full = scan_like(plain.url(sample.name))
    assert full > BIG_BLOB_BYTES
    assert filtered < full - BIG_BLOB_BYTES // 2


def test_git_daemon_uses_the_filter_too(fetcher, git_daemon, sample):
    with fetcher.open(RepositoryAccess(git_daemon.url(sample.name)), "v1.0.0") as tree:
        assert tree.stats().used_filter is True
        assert tree.read("src/index.js") == sample.main_files["src/index.js"]
        assert tree.stats().blobs_fetched == 1
        assert tree.stats().bytes_received < BIG_BLOB_BYTES


def test_dulwich_server_ignores_filters_so_the_fetch_is_full(fetcher, dulwich_http, sample):
    dulwich_http.clear_requests()
    with fetcher.open(RepositoryAccess(dulwich_http.url(sample.name)), "main") as tree:
        stats = tree.stats()
        assert stats.used_filter is False
        assert stats.bytes_received > BIG_BLOB_BYTES
        expected = {x.path: x.size for x in expected_entries(sample.main_files)}
        assert {entry.path: entry.size for entry in tree.entries()} == expected  # every size known at once
        assert tree.read("src/index.js") == sample.main_files["src/index.js"]
        assert len(list(tree.read_many(tree.entries()))) == len(
            [x for x in expected_entries(sample.main_files) if x.kind == "file"]
        )
        assert tree.stats().blobs_fetched == 0
    assert len(fetch_requests(dulwich_http)) == 1


@pytest.mark.parametrize(
    "server_options",
    [{"allow_filter": False}, {"drop_filter_requests": True}],
    ids=["filter-not-advertised", "filter-advertised-but-ignored"],
)
def test_servers_without_working_filters_give_a_full_fetch(fetcher, repo_root, sample, server_options):
    with GitHttpBackendServer(repo_root, **server_options) as server:
        with fetcher.open(RepositoryAccess(server.url(sample.name)), "feature") as tree:
            assert tree.stats().used_filter is False
            assert tree.stats().bytes_received > BIG_BLOB_BYTES
            contents = dict((entry.path, content) for entry, content in tree.read_many(tree.entries()))
            assert contents["src/feature.js"] == sample.feature_files["src/feature.js"]
            assert tree.stats().blobs_fetched == 0
        assert len(fetch_requests(server)) == 1


@pytest.mark.parametrize("server_name", ["http_backend", "dulwich_http"])
def test_missing_ref_fails_before_any_pack_is_requested(fetcher, request, sample, server_name):
    server = request.getfixturevalue(server_name)
    server.clear_requests()
    with pytest.raises(RefNotFound):
        fetcher.open(RepositoryAccess(server.url(sample.name)), "release/none")
    assert server.requests, "the refs were asked for"
    assert fetch_requests(server) == []
    assert all(record.response_bytes < 4096 for record in server.requests)
