"""URL normal form, the address policy's classification, GitHub signatures and what each event asks for."""

from __future__ import annotations

import pytest

from codetracker.domain.github import Ignored, Ping, RefDeleted, RefScan, github_signature, interpret, signature_matches
from codetracker.domain.urls import UrlError, github_candidate_urls, parse_url, refused_address_reason

HTTPS = frozenset({"https"})
ANY = frozenset({"https", "http", "file"})


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("https://GitHub.com/Owner/Repo.git", "https://github.com/Owner/Repo"),
        ("https://github.com/Owner/Repo/", "https://github.com/Owner/Repo"),
        ("https://github.com:443/o/r.git/", "https://github.com/o/r"),
        ("HTTPS://host.example:8443/o/r", "https://host.example:8443/o/r"),
        ("https://[2001:db8::1]/r", "https://[2001:db8::1]/r"),
    ],
)
def test_normal_form(given, normalized):
    assert parse_url(given, schemes=HTTPS).normalized == normalized


def test_credentials_are_noticed_and_never_displayed():
    parsed = parse_url("https://user:s3cret@github.com/o/r.git", schemes=HTTPS)
    assert parsed.had_credentials and "s3cret" not in parsed.display and "s3cret" not in parsed.normalized


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "github.com/o/r",
        "ftp://x/y",
        "http://x/y",
        "https://x/y?a=1",
        "https://x/y#f",
        "https:///x",
        "https://x/\x00",
        "https://x y/z",
        "file:///tmp/r",
        "https://x:99999/",
    ],
)
def test_refused_urls(bad):
    with pytest.raises(UrlError):
        parse_url(bad, schemes=HTTPS)


def test_file_urls_when_allowed():
    assert parse_url("file:///srv/git/repo.git", schemes=ANY).normalized == "file:///srv/git/repo"
    with pytest.raises(UrlError):
        parse_url("file://host/srv/repo", schemes=ANY)


def test_github_urls_of_one_repository_normalise_alike():
    urls = github_candidate_urls(
        {
            "clone_url": "https://github.com/Codertocat/Hello-World.git",
            "html_url": "https://github.com/Codertocat/Hello-World",
            "ssh_url": "git@github.com:Codertocat/Hello-World.git",
            "git_url": "git://github.com/Codertocat/Hello-World.git",
        }
    )
    assert urls == {"https://github.com/Codertocat/Hello-World"}


@pytest.mark.parametrize(
    ("address", "refused"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("10.1.2.3", True),
        ("172.16.0.1", True),
        ("192.168.1.1", True),
        ("169.254.169.254", True),
        ("169.254.10.1", True),
        ("100.64.0.1", True),
        ("224.0.0.1", True),
        ("0.0.0.0", True),
        ("fd00:ec2::254", True),
        ("fe80::1", True),
        ("::ffff:127.0.0.1", True),
        ("240.0.0.1", True),
        ("140.82.112.3", False),
        ("2606:50c0:8000::153", False),
        ("8.8.8.8", False),
    ],
)
def test_address_classification(address, refused):
    assert (refused_address_reason(address) is not None) is refused


# Every IPv6 form that embeds an IPv4 address or routes to one (issue 17 point 7): (address, refused, words the
# reason must contain). 169.254.169.254 = a9fe:a9fe, 127.0.0.1 = 7f00:1, 10.0.0.1 = a00:1, 8.8.8.8 = 808:808.
@pytest.mark.parametrize(
    ("address", "refused", "words"),
    [
        # IPv4-mapped: the IPv4 address itself
        ("::ffff:169.254.169.254", True, "metadata"),
        ("::ffff:10.0.0.1", True, "private"),
        ("::ffff:8.8.8.8", False, ""),
        # IPv4-compatible (deprecated): refused, naming a private embedded address
        ("::a9fe:a9fe", True, "169.254.169.254"),
        ("::7f00:1", True, "127.0.0.1"),
        ("::808:808", True, "IPv4-compatible"),
        # 6to4 2002::/16: refused, naming a private embedded address
        ("2002:a9fe:a9fe::1", True, "169.254.169.254"),
        ("2002:7f00:1::1", True, "127.0.0.1"),
        ("2002:a00:1::1", True, "10.0.0.1"),
        ("2002:808:808::1", True, "6to4"),
        # NAT64 well-known prefix: what it translates to decides
        ("64:ff9b::a9fe:a9fe", True, "169.254.169.254"),
        ("64:ff9b::7f00:1", True, "127.0.0.1"),
        ("64:ff9b::a00:1", True, "10.0.0.1"),
        ("64:ff9b::808:808", False, ""),
        # NAT64 local-use prefix 64:ff9b:1::/48: refused whatever it embeds
        ("64:ff9b:1::a9fe:a9fe", True, "local-use NAT64"),
        ("64:ff9b:1::808:808", True, "local-use NAT64"),
        # Teredo 2001::/32: server (bits 32-63) or client (last 32 bits, inverted) private; else still refused
        ("2001:0:a9fe:a9fe::", True, "169.254.169.254"),
        ("2001:0:808:808:0:0:f5ff:fffe", True, "10.0.0.1"),
        ("2001:0:808:808:0:0:80ff:fffe", True, "127.0.0.1"),
        ("2001:0:808:808:0:0:f7f7:f7f7", True, "Teredo"),
        # site-local fec0::/10 (deprecated)
        ("fec0::1", True, "site-local"),
        ("feff::1", True, "site-local"),
        # ordinary global IPv6 stays admitted
        ("2606:50c0:8000::153", False, ""),
        ("2a00:1450:4001:80b::200e", False, ""),
    ],
)
def test_ipv6_forms_embedding_or_routing_to_ipv4(address, refused, words):
    reason = refused_address_reason(address)
    assert (reason is not None) is refused, reason
    if refused:
        assert words in reason


def test_signature_over_raw_bytes():
    body = b'{"zen": "Keep it logically awesome."}'
    header = github_signature(b"secret", body)
    assert header.startswith("sha256=") and signature_matches(b"secret", body, header)
    assert not signature_matches(b"secret", body + b" ", header)
    assert not signature_matches(b"other", body, header)
    assert not signature_matches(b"secret", body, None)
    assert not signature_matches(b"secret", body, "sha256=zz\u00e9")
    assert not signature_matches(b"", body, github_signature(b"", body))  # no secret configured: nothing passes


@pytest.mark.parametrize(
    ("event", "payload", "intent"),
    [
        ("ping", {"zen": "x"}, Ping()),
        ("push", {"ref": "refs/heads/main", "after": "a" * 40}, RefScan("branch", "main", "a" * 40)),
        ("push", {"ref": "refs/tags/v1.0.0", "after": "b" * 40}, RefScan("tag", "v1.0.0", "b" * 40)),
        ("push", {"ref": "refs/heads/old", "deleted": True, "after": "0" * 40}, RefDeleted("branch", "old")),
        ("create", {"ref": "v2", "ref_type": "tag"}, RefScan("tag", "v2", None)),
        ("delete", {"ref": "v2", "ref_type": "tag"}, RefDeleted("tag", "v2")),
        ("release", {"action": "published", "release": {"tag_name": "v3"}}, RefScan("tag", "v3", None)),
    ],
)
def test_what_events_ask_for(event, payload, intent):
    assert interpret(event, payload) == intent


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("create", {"ref": "feature", "ref_type": "branch"}),
        ("release", {"action": "created", "release": {"tag_name": "v"}}),
        ("issues", {}),
        ("push", {"ref": "refs/pull/1/head"}),
        ("push", {}),
    ],
)
def test_other_events_are_ignored(event, payload):
    assert isinstance(interpret(event, payload), Ignored)
