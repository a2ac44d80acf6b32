"""Private repositories over HTTP Basic auth: the token works, a wrong one fails typed, and it never leaks."""

from __future__ import annotations

import logging
import traceback

import pytest

from codetracker.errors import AuthenticationFailed, GitServerError, RefNotFound
from codetracker.ports.git import Credentials
from tests.integration.git.conftest import TOKEN
from codetracker.ports.git import RepositoryAccess


def url_with_userinfo(url: str, userinfo: str) -> str:
    return url.replace("http://", f"http://{userinfo}@", 1)


def everything_said_about(error: BaseException) -> str:
    """str, repr and the formatted traceback of an error and all its causes."""
    parts = ["".join(traceback.format_exception(error))]
    current: BaseException | None = error
    while current is not None:
        parts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # root: dulwich, urllib3 and ours
    return caplog


def assert_token_absent(text: str) -> None:
    assert TOKEN not in text
    assert TOKEN[4:20] not in text  # nor a recognisable part of it


def test_right_token_as_credentials(fetcher, auth_backend, sample, debug_logs):
    auth_backend.clear_requests()
    credentials = Credentials(username="x-access-token", password=TOKEN)
    with fetcher.open(RepositoryAccess(auth_backend.url(sample.name), credentials=credentials), "main") as tree:
        assert tree.ref.commit_sha == sample.main_commit
        assert tree.read("src/index.js") == sample.main_files["src/index.js"]  # blob fetch authenticates too
        assert_token_absent(repr(tree) + repr(tree.ref) + repr(tree.stats()))
    assert auth_backend.requests and all(record.authenticated for record in auth_backend.requests)
    assert_token_absent(debug_logs.text)
    assert_token_absent(repr(credentials))


@pytest.mark.parametrize("userinfo", [f"someone:{TOKEN}", TOKEN], ids=["user-and-token", "token-as-user"])
def test_token_in_the_url_is_used_as_credentials_and_never_echoed(fetcher, auth_backend, sample, userinfo, debug_logs):
    url = url_with_userinfo(auth_backend.url(sample.name), userinfo)
    with fetcher.open(RepositoryAccess(url), "v1.0.0") as tree:
        assert tree.ref.commit_sha == sample.main_commit
        assert tree.repository_name == "sample"
    assert_token_absent(debug_logs.text)
    with pytest.raises(RefNotFound) as raised:
        fetcher.open(RepositoryAccess(url), "no-such-ref")
    assert_token_absent(everything_said_about(raised.value))


@pytest.mark.parametrize(
    "credentials",
    [None, Credentials("x-access-token", "wrong-token"), Credentials("x-access-token", "")],
    ids=["missing", "wrong", "empty"],
)
def test_missing_or_wrong_token_is_authentication_failed(fetcher, auth_backend, sample, credentials):
    with pytest.raises(AuthenticationFailed) as raised:
        fetcher.open(RepositoryAccess(auth_backend.url(sample.name), credentials=credentials), "main")
    assert raised.value.retryable is False
    assert auth_backend.url(sample.name) in str(raised.value)


def test_wrong_token_in_url_fails_without_echoing_it(fetcher, auth_backend, sample, debug_logs):
    wrong = "ghp_WrongTokenValue0123456789abcdef"
    url = url_with_userinfo(auth_backend.url(sample.name), f"me:{wrong}")
    with pytest.raises(AuthenticationFailed) as raised:
        fetcher.open(RepositoryAccess(url), "main")
    said = everything_said_about(raised.value) + debug_logs.text
    assert wrong not in said
    assert f"me:{wrong}@" not in said


def test_token_never_appears_in_errors_or_logs_after_a_server_failure(fetcher, debug_logs):
    from tests.support.git_servers import StatusHttpServer

    with StatusHttpServer(503) as broken:
        url = url_with_userinfo(broken.url("private.git"), f"me:{TOKEN}")
        with pytest.raises(GitServerError) as raised:
            fetcher.open(RepositoryAccess(url), "main")
    assert_token_absent(everything_said_about(raised.value))
    assert_token_absent(debug_logs.text)


def test_credentials_for_a_transport_without_authentication_are_refused(tmp_path):
    from codetracker.adapters.git.fetcher import DulwichFetcher
    from codetracker.errors import InvalidInput
    from codetracker.ports.git import Credentials

    fetcher = DulwichFetcher()
    with pytest.raises(InvalidInput) as by_argument:
        fetcher.open(RepositoryAccess(str(tmp_path), credentials=Credentials("x", "s3cret-token")), "main")
    assert "s3cret-token" not in str(by_argument.value)
    with pytest.raises(InvalidInput) as in_url:
        fetcher.open(RepositoryAccess("git://user:s3cret-token@127.0.0.1:1/repo.git"), "main")
    assert "s3cret-token" not in str(in_url.value)
