"""What a fetch reports: how it happened (FetchStats.transport) and its progress while the pack arrives."""

from __future__ import annotations

import time

import pytest

from codetracker.adapters.git.remote import PROGRESS_INTERVAL
from tests.support.git_servers import DripProxy, GitHttpBackendServer
from codetracker.ports.git import RepositoryAccess

EXPECTED_TRANSPORT = {
    "http-backend": "filtered",
    "git-daemon": "filtered",
    "dulwich-http": "full",
    "local-path": "local",
    "file-url": "local",
}


def test_stats_say_how_the_tree_was_obtained(fetcher, transport):
    with fetcher.open(RepositoryAccess(transport.url), "main") as tree:
        list(tree.read_many(tree.entries()))
        stats = tree.stats()
    assert stats.transport == EXPECTED_TRANSPORT[transport.name]
    assert stats.used_filter is (stats.transport == "filtered")
    if stats.transport == "local":  # read in place: nothing was fetched
        assert (stats.bytes_received, stats.blobs_fetched) == (0, 0)
    else:
        assert stats.bytes_received > 0


def test_a_server_that_ignores_the_filter_is_a_full_fetch(fetcher, repo_root, sample):
    with GitHttpBackendServer(repo_root, drop_filter_requests=True) as server:
        with fetcher.open(RepositoryAccess(server.url(sample.name)), "main") as tree:
            assert (tree.stats().transport, tree.stats().used_filter) == ("full", False)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[float, int]] = []

    def __call__(self, received: int) -> None:
        self.calls.append((time.monotonic(), received))

    @property
    def counts(self) -> list[int]:
        return [count for _at, count in self.calls]


def test_progress_grows_while_a_slow_http_pack_arrives(fetcher, dulwich_http, sample):
    progress = Recorder()
    # ~400 KiB/s through the proxy: the full pack (over 256 KiB) takes most of a second
    with DripProxy(dulwich_http.port, chunk=8192, pause=0.02) as proxy:
        url = dulwich_http.url(sample.name).replace(f":{dulwich_http.port}/", f":{proxy.port}/")
        started = time.monotonic()
        with fetcher.open(RepositoryAccess(url), "main", progress=progress) as tree:
            elapsed = time.monotonic() - started
            total = tree.stats().bytes_received
    counts = progress.counts
    assert len(counts) >= 3, progress.calls  # several calls during the transfer, then the final one
    assert counts == sorted(set(counts)), "strictly growing"
    assert counts[0] > 0 and counts[-1] == total
    # at most a few calls per second: in-flight calls are an interval apart (the final one may be closer)
    in_flight = [at for at, _count in progress.calls[:-1]]
    assert all(later - earlier >= PROGRESS_INTERVAL * 0.99 for earlier, later in zip(in_flight, in_flight[1:]))
    assert len(counts) <= elapsed / PROGRESS_INTERVAL + 2


def test_progress_of_a_quick_fetch_and_of_later_blob_batches(fetcher, http_backend, sample):
    progress = Recorder()
    with fetcher.open(RepositoryAccess(http_backend.url(sample.name)), "main", progress=progress) as tree:
        assert progress.counts[-1] == tree.stats().bytes_received  # at least the end of the transfer
        before = len(progress.calls)
        assert tree.read("src/index.js") == sample.main_files["src/index.js"]
        assert len(progress.calls) == before + 1
        assert progress.counts[-1] == tree.stats().bytes_received > progress.counts[before - 1]
    assert progress.counts == sorted(set(progress.counts))


@pytest.mark.parametrize("kind", ["local-path", "file-url"])
def test_no_progress_for_a_local_repository(fetcher, sample, kind):
    url = str(sample.path) if kind == "local-path" else sample.path.as_uri()
    progress = Recorder()
    with fetcher.open(RepositoryAccess(url), "main", progress=progress) as tree:
        list(tree.read_many(tree.entries()))
    assert progress.calls == []
