"""The pure parts of the fetcher: URL parsing, ref resolution, default branch, error translation."""

from __future__ import annotations

import socket

import pytest

from codetracker.adapters.git.errors import FetchContext, HttpStatus, translate_error
from codetracker.adapters.git.location import parse_location
from codetracker.adapters.git.refs import RefTarget, default_branch, ref_prefixes, resolve_ref
from codetracker.errors import (
    AuthenticationFailed,
    FetchLimitExceeded,
    FetchTimeout,
    GitServerError,
    HostUnreachable,
    InvalidInput,
    RefNotFound,
    RepositoryNotFound,
)

MAIN = b"a" * 40
DEV = b"b" * 40
TAG_OBJECT = b"c" * 40
TAGGED = b"d" * 40
REFS = {
    b"HEAD": MAIN,
    b"refs/heads/main": MAIN,
    b"refs/heads/dev": DEV,
    b"refs/heads/same": DEV,
    b"refs/tags/same": TAGGED,
    b"refs/tags/v1": TAG_OBJECT,
    b"refs/tags/v1^{}": TAGGED,
    b"refs/pull/7/head": DEV,
}


# --- parse_location -----------------------------------------------------------------------------------


def test_https_url_with_userinfo_is_split_into_url_and_credentials():
    location = parse_location("https://user:t%40ken@Example.com:8443/org/My-Lib.git/")
    assert location.transport == "http"
    assert location.display_url == "https://example.com:8443/org/My-Lib.git/"
    assert location.base_url == "https://example.com:8443/"
    assert location.path == "/org/My-Lib.git/"
    assert location.repository_name == "My-Lib"
    assert (location.url_credentials.username, location.url_credentials.password) == ("user", "t@ken")
    assert "t@ken" not in repr(location) and "t%40ken" not in repr(location)


def test_git_and_local_locations(tmp_path):
    location = parse_location("git://127.0.0.1:9418/sub/dir/lib")
    assert (location.transport, location.host, location.port) == ("git", "127.0.0.1", 9418)
    assert location.path == "/sub/dir/lib"
    assert location.repository_name == "lib"
    local = parse_location(str(tmp_path / "repo.git"))
    assert (local.transport, local.path) == ("local", str(tmp_path / "repo.git"))
    assert local.repository_name == "repo"
    assert parse_location((tmp_path / "x y").as_uri()).path == str(tmp_path / "x y")


@pytest.mark.parametrize("url", ["ssh://h/r.git", "git@h:r.git", "https:///host", "http://h:port/r", " "])
def test_bad_urls(url):
    with pytest.raises(InvalidInput):
        parse_location(url)


def test_invalid_port_error_does_not_echo_the_url():
    with pytest.raises(InvalidInput) as raised:
        parse_location("https://me:secret-token@h:bad/r.git")
    assert "secret-token" not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# --- resolve_ref --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("main", RefTarget("branch", "main", MAIN.decode(), True)),
        ("v1", RefTarget("tag", "v1", TAG_OBJECT.decode(), True)),  # the tag object; peeled after the fetch
        ("same", RefTarget("branch", "same", DEV.decode(), True)),  # branch wins, as in git clone --branch
        ("refs/tags/same", RefTarget("tag", "same", TAGGED.decode(), True)),
        ("refs/heads/dev", RefTarget("branch", "dev", DEV.decode(), True)),
        ("refs/pull/7/head", RefTarget("branch", "refs/pull/7/head", DEV.decode(), True)),
        ("HEAD", RefTarget("branch", "", MAIN.decode(), True)),
        ("e" * 40, RefTarget("commit", "", "e" * 40, False)),
        ("B" * 40, RefTarget("commit", "", "b" * 40, True)),
        ("aaaaaaa", RefTarget("commit", "", MAIN.decode(), True)),  # abbreviation of a branch tip
    ],
)
def test_resolve_ref(requested, expected):
    assert resolve_ref(requested, REFS) == expected


@pytest.mark.parametrize("requested", ["nope", "refs/heads/nope", "refs/tags/main", "dddd", "eeeeeee"])
def test_unresolvable_refs(requested):
    # "dddd" abbreviates only a tag target: abbreviations resolve against branch tips only
    with pytest.raises(RefNotFound):
        resolve_ref(requested, REFS)


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("A" * 40, RefTarget("commit", "", MAIN.decode(), True)),  # full, upper case, a tip
        ("E" * 40, RefTarget("commit", "", "e" * 40, False)),  # full, upper case, no ref points at it
        ("AaAaAaA", RefTarget("commit", "", MAIN.decode(), True)),  # abbreviated, mixed case
        ("BBBB", RefTarget("commit", "", DEV.decode(), True)),  # the shortest abbreviation, upper case
    ],
)
def test_commit_shas_are_case_insensitive_and_resolve_to_the_full_lower_case_sha(requested, expected):
    assert resolve_ref(requested, REFS) == expected


def test_upper_case_shas_are_not_asked_for_as_tag_names():
    assert ref_prefixes("E" * 40) == ref_prefixes("e" * 40) == [b"HEAD", b"refs/heads/"]
    assert ref_prefixes("v1") == [b"HEAD", b"refs/heads/", b"refs/tags/v1"]


@pytest.mark.parametrize("requested", ["AAA", "A" * 41, "G" * 40, "AAAA-"])
def test_hex_too_short_too_long_or_not_hex_is_no_sha(requested):
    with pytest.raises(RefNotFound):
        resolve_ref(requested, REFS)


def test_ambiguous_abbreviation():
    refs = {b"refs/heads/x": b"ab" + b"1" * 38, b"refs/heads/y": b"ab" + b"2" * 38}
    with pytest.raises(RefNotFound, match="ambiguous"):
        resolve_ref("ab11", {**refs, b"refs/heads/z": b"ab" + b"1" * 37 + b"3"})
    assert resolve_ref("ab1111", refs).sha == "ab" + "1" * 38


# --- default_branch -----------------------------------------------------------------------------------


def test_default_branch_from_head_symref():
    assert default_branch(REFS, {b"HEAD": b"refs/heads/dev"}) == "dev"


def test_default_branch_heuristics_without_symref():
    assert default_branch(REFS, {}) == "main"  # the only branch at HEAD's sha
    tie = {b"HEAD": DEV, b"refs/heads/dev": DEV, b"refs/heads/same": DEV, b"refs/heads/master": DEV}
    assert default_branch(tie, {}) == "master"
    assert default_branch({b"HEAD": DEV, b"refs/heads/b": DEV, b"refs/heads/a": DEV}, {}) == "a"
    assert default_branch({b"refs/heads/master": MAIN, b"refs/heads/x": DEV}, {}) == "master"
    assert default_branch({b"refs/heads/x": DEV, b"refs/heads/y": MAIN}, {}) is None


# --- translate_error ----------------------------------------------------------------------------------


def context(url: str = "https://example.com/r.git", **fields) -> FetchContext:
    ctx = FetchContext(parse_location(url))
    for name, value in fields.items():
        setattr(ctx, name, value)
    return ctx


def wrapped(outer: BaseException, inner: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as error:
            raise outer from error
    except BaseException as caught:
        return caught


def test_urllib3_errors_wrapped_by_dulwich():
    import urllib3.exceptions as u
    from dulwich.errors import GitProtocolError

    refused = u.NewConnectionError(None, "refused")
    assert isinstance(translate_error(wrapped(GitProtocolError("x"), refused), context()), HostUnreachable)
    retried = u.MaxRetryError(None, "/r.git", reason=u.ConnectTimeoutError("slow"))
    assert isinstance(translate_error(wrapped(GitProtocolError("x"), retried), context()), FetchTimeout)
    assert isinstance(translate_error(u.ReadTimeoutError(None, "/r", "read"), context()), FetchTimeout)
    assert isinstance(translate_error(u.ProtocolError("broken"), context()), GitServerError)


def test_socket_errors_under_dulwich_protocol_errors():
    from dulwich.errors import GitProtocolError, HangupException

    git = "git://127.0.0.1/r.git"
    timed_out = wrapped(GitProtocolError("t"), TimeoutError())
    assert isinstance(translate_error(timed_out, context(git)), FetchTimeout)
    assert isinstance(translate_error(ConnectionRefusedError(), context(git)), HostUnreachable)
    assert isinstance(translate_error(socket.gaierror(), context(git)), HostUnreachable)
    reset = wrapped(HangupException(), ConnectionResetError())
    assert isinstance(translate_error(reset, context(git)), GitServerError)
    # a clean hang-up before any ref is advertised: git daemon's "no such repository"
    assert isinstance(translate_error(HangupException(), context(git)), RepositoryNotFound)
    assert isinstance(translate_error(HangupException(), context(git, phase="pack")), GitServerError)


def test_refused_want_of_an_unadvertised_commit_is_ref_not_found():
    from dulwich.errors import GitProtocolError

    refused = context(phase="pack", unadvertised_commit=True)
    assert isinstance(translate_error(GitProtocolError("not our ref"), refused), RefNotFound)
    assert isinstance(translate_error(HttpStatus(500), refused), RefNotFound)
    assert isinstance(translate_error(ConnectionResetError(), refused), RefNotFound)
    assert isinstance(translate_error(TimeoutError(), refused), FetchTimeout)  # still retryable
    after_pack_started = context(phase="pack", unadvertised_commit=True, pack_started=True)
    assert isinstance(translate_error(HttpStatus(500), after_pack_started), GitServerError)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (401, AuthenticationFailed),
        (403, AuthenticationFailed),
        (404, RepositoryNotFound),
        (400, RepositoryNotFound),
        (429, GitServerError),
        (500, GitServerError),
        (504, GitServerError),
        (302, GitServerError),
    ],
)
def test_http_statuses(status, expected):
    assert isinstance(translate_error(HttpStatus(status), context()), expected)


def test_own_errors_pass_through_and_unknown_errors_are_not_mapped():
    limit = FetchLimitExceeded("too big")
    assert translate_error(limit, context()) is limit
    assert translate_error(ValueError("a bug"), context()) is None
