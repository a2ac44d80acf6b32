"""Pack size and file count limits; nothing left on disk; a closed tree is closed."""

from __future__ import annotations

import tempfile

import pytest

from codetracker.errors import FetchLimitExceeded, PermanentError
from codetracker.ports.git import FetchLimits
from tests.integration.git.conftest import BIG_BLOB_BYTES
from tests.support.git_repos import expected_entries
from tests.support.git_servers import DripProxy
from codetracker.ports.git import RepositoryAccess


def test_full_fetch_above_the_pack_limit_is_aborted(fetcher, dulwich_http, sample):
    with pytest.raises(FetchLimitExceeded) as raised:
        limits = FetchLimits(max_pack_bytes=BIG_BLOB_BYTES // 4)
        fetcher.open(RepositoryAccess(dulwich_http.url(sample.name), limits=limits), "main")
    assert isinstance(raised.value, PermanentError)
    assert str(BIG_BLOB_BYTES // 4) in str(raised.value)


def test_pack_limit_counts_blob_fetches_after_a_filtered_fetch(fetcher, http_backend, sample):
    limits = FetchLimits(max_pack_bytes=BIG_BLOB_BYTES // 4)
    with fetcher.open(RepositoryAccess(http_backend.url(sample.name), limits=limits), "main") as tree:
        assert tree.read("src/index.js") == sample.main_files["src/index.js"]  # small blobs fit
        with pytest.raises(FetchLimitExceeded):
            tree.read(sample.big_blob_path)
        assert tree.stats().bytes_received > BIG_BLOB_BYTES // 4


def test_pack_limit_just_above_the_transfer_passes(fetcher, dulwich_http, sample):
    with fetcher.open(RepositoryAccess(dulwich_http.url(sample.name)), "main") as tree:
        size = tree.stats().bytes_received
    with fetcher.open(
        RepositoryAccess(dulwich_http.url(sample.name), limits=FetchLimits(max_pack_bytes=size)), "main"
    ) as tree:
        assert tree.stats().bytes_received == size
    with pytest.raises(FetchLimitExceeded):
        fetcher.open(
            RepositoryAccess(dulwich_http.url(sample.name), limits=FetchLimits(max_pack_bytes=size - 1)), "main"
        )


def test_file_count_limit(fetcher, transport, sample):
    count = len(expected_entries(sample.main_files))
    with fetcher.open(RepositoryAccess(transport.url, limits=FetchLimits(max_files=count)), "main") as tree:
        assert len(tree.entries()) == count
    with pytest.raises(FetchLimitExceeded) as raised:
        fetcher.open(RepositoryAccess(transport.url, limits=FetchLimits(max_files=count - 1)), "main")
    assert str(count - 1) in str(raised.value)


@pytest.mark.parametrize("server_name", ["dulwich_http", "http_backend", "git_daemon"])
def test_no_temporary_file_is_written(request, monkeypatch, tmp_path, fetcher, sample, server_name):
    server = request.getfixturevalue(server_name)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where tempfile would put anything
    with fetcher.open(RepositoryAccess(server.url(sample.name)), "main") as tree:
        contents = dict((entry.path, data) for entry, data in tree.read_many(tree.entries()))
        assert contents[sample.big_blob_path] == sample.main_files[sample.big_blob_path]
        assert list(temp.iterdir()) == []
    assert list(temp.iterdir()) == []
    with pytest.raises(FetchLimitExceeded):  # aborted half-way: at open (full fetch) or at the blob fetch
        with fetcher.open(
            RepositoryAccess(server.url(sample.name), limits=FetchLimits(max_pack_bytes=2048)), "main"
        ) as tree:
            list(tree.read_many(tree.entries()))
    assert list(temp.iterdir()) == []


def test_closed_tree_refuses_reads(fetcher, transport):
    tree = fetcher.open(RepositoryAccess(transport.url), "main")
    tree.close()
    tree.close()  # closing twice is harmless
    with pytest.raises(ValueError):
        tree.entries()
    with pytest.raises(ValueError):
        tree.read("src/index.js")


def test_a_server_that_sends_pieces_steadily_hits_the_deadline_of_the_whole_fetch(fetcher, dulwich_http, sample):
    from codetracker.errors import FetchTimeout, RetryableError

    with DripProxy(dulwich_http.port) as proxy:
        url = dulwich_http.url(sample.name).replace(f":{dulwich_http.port}/", f":{proxy.port}/")
        # the whole pack (over 256 KiB at 80 KiB/s) would take 3 s or more; the deadline is half a second
        limits = FetchLimits(read_timeout=5.0, total_timeout=0.5)
        with pytest.raises(FetchTimeout) as raised:
            fetcher.open(RepositoryAccess(url, limits=limits), "main")
    assert isinstance(raised.value, RetryableError)
    assert "longer than 0.5 s" in str(raised.value)


@pytest.mark.parametrize("transport", ["dulwich_http", "git_daemon"])
def test_a_server_that_drips_single_bytes_is_cut_off_at_the_deadline(fetcher, sample, transport, request):
    """One byte at a time, each within the read timeout: no packet ever completes, so the deadline has to
    interrupt the read itself."""
    from codetracker.errors import FetchTimeout

    server = request.getfixturevalue(transport)
    with DripProxy(server.port, chunk=1, pause=0.02) as proxy:
        url = server.url(sample.name).replace(f":{server.port}/", f":{proxy.port}/")
        with pytest.raises(FetchTimeout):
            fetcher.open(RepositoryAccess(url, limits=FetchLimits(read_timeout=5.0, total_timeout=0.5)), "main")
