"""The address policy over https, with the service's schemes (https only): the connection is pinned to the
address the policy checked while TLS still sends the host name (SNI) and checks the certificate against it;
redirects over https are checked like the first URL (issue 17 points 1, 2).

The servers hold a certificate for public.example and mirror.example from a test CA the client trusts through
SSL_CERT_FILE; those names are known only to the injected resolver, which answers 127.0.0.1 (counted as public
by the test policy; 127.0.0.2 stays private)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from codetracker.adapters.dns import StaticResolver
from codetracker.adapters.git.fetcher import DulwichFetcher
from codetracker.adapters.git.ls_remote import DulwichRefLister
from codetracker.domain.urls import refused_address_reason
from codetracker.errors import AddressRefused, HostUnreachable, RedirectRefused
from codetracker.ports.git import FetchLimits
from codetracker.ports.network import AddressPolicy
from tests.support.git_repos import SampleRepo
from tests.support.redirect_servers import GitBackendAt, ScriptedServer, status_answer
from tests.support.tls import ThrowawayAuthority, make_authority
from codetracker.ports.git import RepositoryAccess

ADVERTISEMENT = "/info/refs?service=git-upload-pack"
QUICK = FetchLimits(connect_timeout=2, read_timeout=5, total_timeout=20)
POLICY = AddressPolicy(
    StaticResolver({name: ["127.0.0.1"] for name in ("public.example", "mirror.example", "other.example")}),
    refused_reason=lambda address: None if address == "127.0.0.1" else refused_address_reason(address),
)  # the service's schemes: https only


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> ThrowawayAuthority:
    return make_authority(tmp_path_factory.mktemp("tls"), ["public.example", "mirror.example"])


@pytest.fixture
def trusted(authority: ThrowawayAuthority, monkeypatch: pytest.MonkeyPatch) -> ThrowawayAuthority:
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.ca_file))
    return authority


@pytest.fixture(scope="module")
def secure_git(repo_root: Path, sample: SampleRepo, authority: ThrowawayAuthority) -> Iterator[GitBackendAt]:
    with GitBackendAt("127.0.0.1", repo_root, tls=authority.server_context()) as server:
        yield server


def _fetch(url: str) -> str:
    with DulwichFetcher().open(RepositoryAccess(url, limits=QUICK, address_policy=POLICY), "main") as tree:
        return tree.ref.commit_sha


def test_https_goes_to_the_checked_address_and_verifies_the_host_name(trusted, secure_git, sample):
    url = f"https://public.example:{secure_git.port}/{sample.name}"
    assert _fetch(url) == sample.main_commit
    assert (
        DulwichRefLister().list_refs(RepositoryAccess(url, limits=QUICK, address_policy=POLICY)).branches["main"]
        == sample.main_commit
    )


@pytest.mark.parametrize(
    ("name", "trust"),
    [("other.example", True), ("public.example", False)],
    ids=["certificate-for-another-name", "untrusted-authority"],
)
def test_a_certificate_that_does_not_verify_is_refused(name, trust, authority, secure_git, sample, monkeypatch):
    """Pinning to an IP address does not weaken TLS: the certificate is still checked for the name."""
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.ca_file) if trust else str(authority.cert_file.parent / "none"))
    secure_git.clear_requests()
    with pytest.raises(HostUnreachable, match="TLS"):
        _fetch(f"https://{name}:{secure_git.port}/{sample.name}")
    assert secure_git.requests == []


def test_an_https_redirect_of_a_renamed_repository_is_followed(trusted, authority, secure_git, sample):
    location = f"https://mirror.example:{secure_git.port}/{sample.name}{ADVERTISEMENT}"
    with ScriptedServer(lambda _m, _t: (301, {"Location": location}, b""), tls=authority.server_context()) as hop:
        assert _fetch(f"https://public.example:{hop.port}/old-name.git") == sample.main_commit


def test_an_https_redirect_to_http_is_refused(trusted, authority, sample):
    location = f"http://public.example:1/{sample.name}{ADVERTISEMENT}"
    with ScriptedServer(lambda _m, _t: (302, {"Location": location}, b""), tls=authority.server_context()) as hop:
        with pytest.raises(RedirectRefused, match="scheme http://"):
            _fetch(f"https://public.example:{hop.port}/{sample.name}")


def test_an_https_redirect_inwards_is_refused_before_connecting(trusted, authority, sample):
    context = authority.server_context()
    with ScriptedServer(status_answer(200), host="127.0.0.2", tls=context) as target:
        location = f"https://127.0.0.2:{target.port}/{sample.name}{ADVERTISEMENT}"
        with ScriptedServer(lambda _m, _t: (302, {"Location": location}, b""), tls=context) as hop:
            with pytest.raises(AddressRefused, match="127.0.0.2, which is a loopback address"):
                _fetch(f"https://public.example:{hop.port}/{sample.name}")
        assert target.requests == []
