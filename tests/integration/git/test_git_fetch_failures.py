"""Typed failures per transport: timeouts, refused connections, HTTP statuses, bad URLs."""

from __future__ import annotations

import pytest

from codetracker.errors import (
    AuthenticationFailed,
    FetchTimeout,
    GitServerError,
    HostUnreachable,
    InvalidInput,
    PermanentError,
    RepositoryNotFound,
    RetryableError,
)
from codetracker.ports.git import FetchLimits
from tests.support.git_servers import HangingServer, StatusHttpServer, closed_port
from codetracker.ports.git import RepositoryAccess

# Small timeouts so that the timeout tests finish quickly.
QUICK = FetchLimits(connect_timeout=0.5, read_timeout=0.3)


@pytest.mark.parametrize("scheme", ["http", "git"])
def test_server_that_never_answers_is_a_quick_timeout(fetcher, scheme):
    with HangingServer() as hanging:
        url = hanging.http_url() if scheme == "http" else hanging.git_url()
        with pytest.raises(FetchTimeout) as raised:
            fetcher.open(RepositoryAccess(url, limits=QUICK), "main")
        assert hanging.accepted >= 1
    assert isinstance(raised.value, RetryableError)


@pytest.mark.parametrize("scheme", ["http", "git"])
def test_connection_that_never_completes_is_a_quick_timeout(fetcher, scheme):
    with HangingServer(accept_connections=False) as unreachable:
        url = unreachable.http_url() if scheme == "http" else unreachable.git_url()
        with pytest.raises(FetchTimeout):
            fetcher.open(RepositoryAccess(url, limits=QUICK), "main")


@pytest.mark.parametrize("scheme", ["http", "git"])
def test_refused_connection_is_host_unreachable(fetcher, scheme):
    url = f"{scheme}://127.0.0.1:{closed_port()}/sample.git"
    with pytest.raises(HostUnreachable) as raised:
        fetcher.open(RepositoryAccess(url, limits=QUICK), "main")
    assert raised.value.retryable is True


@pytest.mark.parametrize(
    ("status", "expected", "retryable"),
    [
        (500, GitServerError, True),
        (502, GitServerError, True),
        (503, GitServerError, True),
        (429, GitServerError, True),
        (401, AuthenticationFailed, False),
        (403, AuthenticationFailed, False),
        (404, RepositoryNotFound, False),
        (410, RepositoryNotFound, False),
    ],
)
def test_http_status_maps_to_a_typed_error(fetcher, status, expected, retryable):
    with StatusHttpServer(status) as server:
        with pytest.raises(expected) as raised:
            fetcher.open(RepositoryAccess(server.url("sample.git"), limits=QUICK), "main")
        assert [record.status for record in server.requests] == [status]  # no retry by urllib3
    assert raised.value.retryable is retryable
    assert f"HTTP {status}" in str(raised.value)


def test_web_page_instead_of_a_git_server_is_repository_not_found(fetcher):
    with StatusHttpServer(200, body=b"<html>hello</html>", content_type="text/html") as server:
        with pytest.raises(RepositoryNotFound):
            fetcher.open(RepositoryAccess(server.url("sample.git"), limits=QUICK), "main")
        assert len(server.requests) == 1  # no fallback to the dumb protocol


def test_missing_repository_on_http_backend_is_not_found(fetcher, http_backend):
    with pytest.raises(RepositoryNotFound) as raised:
        fetcher.open(RepositoryAccess(http_backend.url("nope.git")), "main")
    assert isinstance(raised.value, PermanentError)


def test_missing_repository_on_git_daemon_is_not_found(fetcher, git_daemon):
    with pytest.raises(RepositoryNotFound):
        fetcher.open(RepositoryAccess(git_daemon.url("nope.git")), "main")


def test_missing_local_path_and_non_repository_folder(fetcher, tmp_path):
    with pytest.raises(RepositoryNotFound):
        fetcher.open(RepositoryAccess(str(tmp_path / "absent")), "main")
    with pytest.raises(RepositoryNotFound):
        fetcher.open(RepositoryAccess(str(tmp_path)), "main")
    with pytest.raises(RepositoryNotFound):
        fetcher.open(RepositoryAccess((tmp_path / "absent").as_uri()), "main")


@pytest.mark.parametrize(
    "url",
    ["ssh://example.com/org/repo.git", "git@example.com:org/repo.git", "ftp://example.com/repo.git", ""],
)
def test_unsupported_urls_are_invalid_input(fetcher, url):
    with pytest.raises(InvalidInput) as raised:
        fetcher.open(RepositoryAccess(url), "main")
    assert raised.value.field == "url"


@pytest.mark.parametrize("ref", ["", "  ", "has space", "new\nline"])
def test_malformed_ref_is_invalid_input(fetcher, sample, ref):
    with pytest.raises(InvalidInput) as raised:
        fetcher.open(RepositoryAccess(str(sample.path)), ref)
    assert raised.value.field == "ref"
