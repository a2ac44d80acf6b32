"""The scanner's network cannot be turned inward (issue 17): under an address policy, a fetch and a ref listing
connect only to addresses the policy checked (DNS rebinding), follow only redirects of the ref advertisement
whose every hop passes the policy again, and refuse a redirect inwards the same way whatever the target would
have answered (no oracle for blind GET requests).

The servers are on loopback addresses, so the policy under test is the production one with one change: it
counts 127.0.0.1 as public (`_policy`); 127.0.0.2 stays a private address. Names such as `public.example` are
known only to the injected resolver: a fetch that reaches its server went to the address the policy checked.
The test servers speak http, so the test policy admits `http` (the service admits `https` only).
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path

import pytest

from codetracker.adapters.dns import StaticResolver
from codetracker.adapters.git.fetcher import DulwichFetcher
from codetracker.adapters.git.ls_remote import DulwichRefLister
from codetracker.adapters.git.redirects import MAX_REDIRECTS
from codetracker.domain.urls import refused_address_reason
from codetracker.errors import (
    AddressRefused,
    AuthenticationFailed,
    FetchError,
    HostUnreachable,
    RedirectRefused,
    UrlRefused,
)
from codetracker.ports.git import Credentials, FetchLimits
from codetracker.ports.network import AddressPolicy
from tests.integration.git.conftest import TOKEN
from tests.support.git_repos import SampleRepo
from tests.support.redirect_servers import GitBackendAt, ScriptedServer, status_answer
from codetracker.ports.git import RepositoryAccess

ADVERTISEMENT = "/info/refs?service=git-upload-pack"
PRIVATE_HOST = "127.0.0.2"
QUICK = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=20)


def _counts_127_0_0_1_as_public(address: str) -> str | None:
    return None if address == "127.0.0.1" else refused_address_reason(address)


def _policy(table: Mapping[str, Sequence[str]], *, schemes: frozenset[str] = frozenset({"http"})) -> AddressPolicy:
    return AddressPolicy(StaticResolver(table), refused_reason=_counts_127_0_0_1_as_public, schemes=schemes)


PUBLIC = {"public.example": ["127.0.0.1"], "mirror.example": ["127.0.0.1"]}


class _Rebinding:
    """A name that resolves to a public address when the policy first asks, and to 127.0.0.1 afterwards."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def addresses(self, host: str, port: int | None) -> list[str]:
        self.calls.append(host)
        return ["93.184.215.14"] if len(self.calls) == 1 else ["127.0.0.1"]


def _redirector(location: str, status: int = 302) -> ScriptedServer:
    return ScriptedServer(lambda _method, _target: (status, {"Location": location}, b""))


def _operate(operation: str, url: str, policy: AddressPolicy | None) -> str:
    """Fetch `main` (its commit) or list the refs (the main branch's commit), as the scanner or reconciler."""
    if operation == "fetch":
        with DulwichFetcher().open(RepositoryAccess(url, limits=QUICK, address_policy=policy), "main") as tree:
            return tree.ref.commit_sha
    return DulwichRefLister().list_refs(RepositoryAccess(url, limits=QUICK, address_policy=policy)).branches["main"]


OPERATIONS = ["fetch", "ls-remote"]


@pytest.fixture(scope="module")
def private_git(repo_root: Path, sample: SampleRepo) -> Iterator[GitBackendAt]:
    with GitBackendAt(PRIVATE_HOST, repo_root) as server:
        yield server


@pytest.mark.parametrize("operation", OPERATIONS)
def test_without_a_policy_a_redirect_inwards_is_followed(operation, private_git, sample):
    """The control (the CLI and the local runtime allow private URLs): the setup below does reach 127.0.0.2."""
    with _redirector(f"{private_git.base_url}/{sample.name}{ADVERTISEMENT}") as hop:
        assert _operate(operation, f"http://127.0.0.1:{hop.port}/{sample.name}", None) == sample.main_commit
    assert private_git.requests


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_redirect_inwards_is_refused_alike_whatever_the_target_answers(operation, private_git, sample):
    """A git repository (200), a 404 and a 500 on 127.0.0.2: one error code, and no target was asked anything."""
    refusals: dict[str, FetchError] = {}
    with ExitStack() as stack:
        targets = {
            "git repository": private_git,
            "404": stack.enter_context(ScriptedServer(status_answer(404), host=PRIVATE_HOST)),
            "500": stack.enter_context(ScriptedServer(status_answer(500), host=PRIVATE_HOST)),
        }
        private_git.clear_requests()
        for name, target in targets.items():
            location = f"http://{PRIVATE_HOST}:{target.port}/{sample.name}{ADVERTISEMENT}"
            with _redirector(location) as hop:
                with pytest.raises(FetchError) as raised:
                    _operate(operation, f"http://public.example:{hop.port}/{sample.name}", _policy(PUBLIC))
                assert len(hop.requests) == 1
            refusals[name] = raised.value
        assert private_git.requests == []
        assert targets["404"].requests == [] and targets["500"].requests == []
    assert {type(e) for e in refusals.values()} == {AddressRefused}
    assert {e.code for e in refusals.values()} == {"address_refused"}
    assert all(e.retryable is False for e in refusals.values())
    for error in refusals.values():
        assert f"resolves to {PRIVATE_HOST}, which is a loopback address" in str(error)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_redirect_to_a_name_that_resolves_inwards_is_refused(operation, sample):
    """The hop's host is resolved and checked again: every address must pass (one private one is enough)."""
    table = {**PUBLIC, "internal.example": ["127.0.0.1", "169.254.169.254"]}
    with _redirector(f"http://internal.example:80/{sample.name}{ADVERTISEMENT}", 301) as hop:
        with pytest.raises(AddressRefused, match="169.254.169.254, which is the cloud metadata address"):
            _operate(operation, f"http://public.example:{hop.port}/{sample.name}", _policy(table))


@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_redirect_to_a_checked_host_is_followed_over_the_checked_address(operation, http_backend, sample):
    """A renamed repository's 301 to another (public) name: followed; `mirror.example` is known only to the
    resolver, so reaching the repository means the connection went to the address the policy checked."""
    http_backend.clear_requests()
    location = f"http://mirror.example:{http_backend.port}/{sample.name}{ADVERTISEMENT}"
    with _redirector(location, 301) as hop:
        url = f"http://public.example:{hop.port}/old-name.git"
        assert _operate(operation, url, _policy(PUBLIC)) == sample.main_commit
    assert http_backend.requests


def test_credentials_do_not_follow_a_redirect_to_another_origin(auth_backend, sample):
    """The token goes to the registered URL's origin only: a redirect elsewhere reaches the server without it."""
    auth_backend.clear_requests()
    location = f"http://mirror.example:{auth_backend.port}/{sample.name}{ADVERTISEMENT}"
    with _redirector(location, 301) as hop:
        with pytest.raises(AuthenticationFailed):
            DulwichFetcher().open(
                RepositoryAccess(
                    f"http://public.example:{hop.port}/{sample.name}",
                    credentials=Credentials("x-access-token", TOKEN),
                    limits=QUICK,
                    address_policy=_policy(PUBLIC),
                ),
                "main",
            )
    assert auth_backend.requests and not any(record.authenticated for record in auth_backend.requests)


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("https://mirror.example:{port}/{repo}" + ADVERTISEMENT, "redirected to scheme https:// (allowed: http://)"),
        ("http://user:secret@mirror.example:{port}/{repo}" + ADVERTISEMENT, "with credentials"),
        ("http://mirror.example:{port}/elsewhere", "not a git ref advertisement"),
        ("http://mirror.example:{port}/{repo}/info/refs?service=git-receive-pack", "not a git ref advertisement"),
        ("", "without a location"),
        ("http://[::1/{repo}" + ADVERTISEMENT, "malformed URL"),
        ("http://mirror.example:port/{repo}" + ADVERTISEMENT, "malformed URL"),
    ],
)
def test_redirects_that_are_not_followed(location, words, http_backend, sample):
    location = location.format(port=http_backend.port, repo=sample.name)
    answer = (302, {"Location": location} if location else {}, b"")
    with ScriptedServer(lambda _method, _target: answer) as hop:
        with pytest.raises(RedirectRefused, match=re.escape(words)) as raised:
            _operate("fetch", f"http://public.example:{hop.port}/{sample.name}", _policy(PUBLIC))
    assert raised.value.code == "redirect_refused" and "secret" not in str(raised.value)


def test_more_than_five_redirects_are_not_followed(sample):
    with ScriptedServer(lambda _method, target: (302, {"Location": target}, b"")) as hop:
        with pytest.raises(RedirectRefused, match=f"more than {MAX_REDIRECTS} redirects"):
            _operate("ls-remote", f"http://public.example:{hop.port}/{sample.name}", _policy(PUBLIC))
    assert len(hop.requests) == MAX_REDIRECTS + 1


def test_the_pack_request_is_never_redirected(http_backend, sample):
    """Only the ref advertisement (the first GET) may be redirected; a redirected POST is refused."""

    def advertise_then_redirect(method: str, target: str):
        if method == "POST":
            return 307, {"Location": f"http://127.0.0.2:1{target}"}, b""
        with urllib.request.urlopen(f"{http_backend.base_url}{target}", timeout=5) as answer:  # noqa: S310
            return answer.status, {"Content-Type": answer.headers["Content-Type"]}, answer.read()

    with ScriptedServer(advertise_then_redirect) as server:
        with pytest.raises(RedirectRefused, match="only the ref advertisement"):
            _operate("fetch", f"http://public.example:{server.port}/{sample.name}", _policy(PUBLIC))
    assert [method for method, _ in server.requests] == ["GET", "POST"]


@pytest.mark.parametrize("operation", OPERATIONS)
def test_dns_rebinding_is_refused_when_connecting(operation, http_backend, sample):
    """The registration check saw a public address; the connection would go to 127.0.0.1. The real policy
    (127.0.0.1 is loopback) checks the address the connection is about to use, so nothing is sent."""
    rebinding = _Rebinding()
    assert refused_address_reason(rebinding.addresses("rebound.example", 443)[0]) is None  # the registration
    http_backend.clear_requests()
    policy = AddressPolicy(rebinding, schemes=frozenset({"http"}))
    url = f"http://rebound.example:{http_backend.port}/{sample.name}"
    with pytest.raises(AddressRefused, match="resolves to 127.0.0.1, which is a loopback address"):
        _operate(operation, url, policy)
    assert http_backend.requests == []
    assert rebinding.calls == ["rebound.example", "rebound.example"]  # resolved once, by the connection


def test_every_connection_is_checked_not_only_the_first(http_backend, sample):
    """A name that rebinds between the ref advertisement and the pack request (a new connection: the test
    server closes each one): the second connection is refused."""

    class RebindsLater:
        def __init__(self) -> None:
            self.calls = 0

        def addresses(self, host: str, port: int | None) -> list[str]:
            self.calls += 1
            return ["127.0.0.1"] if self.calls == 1 else [PRIVATE_HOST]

    policy = AddressPolicy(RebindsLater(), refused_reason=_counts_127_0_0_1_as_public, schemes=frozenset({"http"}))
    http_backend.clear_requests()
    with pytest.raises(AddressRefused, match=PRIVATE_HOST):
        _operate("fetch", f"http://public.example:{http_backend.port}/{sample.name}", policy)
    assert [r.method for r in http_backend.requests] == ["GET"]


def test_a_name_that_does_not_resolve_is_unreachable(sample):
    with pytest.raises(HostUnreachable):
        _operate("ls-remote", f"http://nowhere.example/{sample.name}", _policy(PUBLIC))


@pytest.mark.parametrize(
    "url",
    ["git://public.example/sample.git", "file:///srv/sample.git", "/srv/sample.git", "https://public.example/x.git"],
)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_schemes_the_policy_does_not_admit_are_refused_before_anything_is_opened(operation, url):
    with pytest.raises(UrlRefused, match="is not allowed"):
        _operate(operation, url, _policy(PUBLIC))
