"""Repository and callback URLs: the normal form that identifies a repository, and which addresses a URL may
lead to. Pure: resolving a host is the caller's (usecases/url_policy.py through the HostResolver port).

Normal form (what `repositories.url` holds and webhooks are matched against): scheme and host lowercased, no
credentials, no default port, no query or fragment, path without trailing `/` or `.git`. GitHub's
`ssh_url` (`git@github.com:owner/repo.git`) normalises to the https form of the same repository.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"https": 443, "http": 80}
_SCP_LIKE = re.compile(r"(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)")
MAX_URL_LENGTH = 2048

# Addresses no request of the service may reach unless private URLs are allowed (local runtime, tests).
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
# IPv6 ranges that carry or route to IPv4 addresses, and deprecated local ones (see refused_address_reason).
_NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_SITE_LOCAL = ipaddress.ip_network("fec0::/10")


class UrlError(ValueError):
    """Why a URL is refused; `reason` is a sentence for the caller."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    normalized: str  # the identity
    display: str  # as given, credentials removed
    scheme: str
    host: str | None  # None for file://
    port: int | None
    had_credentials: bool


def parse_url(text: str, *, schemes: frozenset[str]) -> ParsedUrl:
    """Parse and normalise; raise UrlError for what is not a URL of one of `schemes`."""
    if not isinstance(text, str) or not text.strip():
        raise UrlError("must not be empty")
    text = text.strip()
    if len(text) > MAX_URL_LENGTH:
        raise UrlError(f"is longer than {MAX_URL_LENGTH} characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in text):
        raise UrlError("contains spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as err:
        raise UrlError(f"is not a valid URL ({err})") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise UrlError("must be an absolute URL (https://host/path)")
    if scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in sorted(schemes))
        raise UrlError(f"scheme {scheme}:// is not allowed (allowed: {allowed})")
    if parts.query or parts.fragment:
        raise UrlError("must not have a query or a fragment")
    had_credentials = parts.username is not None or parts.password is not None
    if scheme == "file":
        if parts.netloc:
            raise UrlError("a file:// URL must have an empty host (file:///path)")
        path = parts.path
        if not path.startswith("/"):
            raise UrlError("a file:// URL must have an absolute path")
        return ParsedUrl(f"file://{_trim_path(path)}", text, "file", None, None, False)
    host = parts.hostname
    if not host:
        raise UrlError("has no host")
    host = host.lower().rstrip(".")
    try:
        host.encode("ascii")
    except UnicodeEncodeError:
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise UrlError("has a host name that is not valid") from None
    bracketed = f"[{host}]" if ":" in host else host
    netloc = bracketed if port in (None, _DEFAULT_PORTS.get(scheme)) else f"{bracketed}:{port}"
    normalized = f"{scheme}://{netloc}{_trim_path(parts.path)}"
    display = SplitResult(
        parts.scheme, bracketed if port is None else f"{bracketed}:{port}", parts.path, "", ""
    ).geturl()
    return ParsedUrl(normalized, display, scheme, host, port, had_credentials)


def _trim_path(path: str) -> str:
    path = path.rstrip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")].rstrip("/")
    return path


def github_candidate_urls(repository: Mapping[str, object]) -> set[str]:
    """The normalised URLs of a GitHub webhook's `repository` object (clone_url, html_url, ssh_url)."""
    found = set()
    for name in ("clone_url", "html_url", "ssh_url", "git_url", "url"):
        value = repository.get(name)
        if not isinstance(value, str) or not value:
            continue
        scp = _SCP_LIKE.fullmatch(value)
        if scp:
            value = f"https://{scp['host']}/{scp['path']}"
        elif value.startswith(("ssh://", "git://")):
            parts = urlsplit(value)
            if parts.hostname:
                value = f"https://{parts.hostname}{parts.path}"
        try:
            found.add(parse_url(value, schemes=frozenset({"https", "http", "file"})).normalized)
        except UrlError:
            continue
    return found


def refused_address_reason(address: str) -> str | None:
    """Why an address is not reachable by the service (None: a public address).

    IPv6 forms that embed an IPv4 address or route through a translator are judged by what they lead to: an
    IPv4-mapped address is the IPv4 address it maps; NAT64 (64:ff9b::/96) is admitted only when the IPv4
    address it translates to is; 6to4, Teredo, IPv4-compatible, local-use NAT64 (64:ff9b:1::/48) and site-local
    addresses are refused whatever they embed (deprecated or local, and relays route them where the policy
    cannot see); the reason names an embedded private address when there is one."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an IP address"
    if isinstance(ip, ipaddress.IPv4Address):
        return _refused_ip_reason(ip)
    if ip.ipv4_mapped is not None:
        return _refused_ip_reason(ip.ipv4_mapped)
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        form, inner = embedded
        for v4 in inner:
            reason = _refused_ip_reason(v4)
            if reason is not None:
                return f"is {form} address embedding {v4}, which {reason}"
        if form != "a NAT64":
            return f"is {form} address (refused whatever it embeds)"
        return None  # the well-known NAT64 prefix leads to the public address it embeds
    if ip in _NAT64_LOCAL:
        return "is a local-use NAT64 address (it translates to addresses the policy cannot see)"
    if ip in _SITE_LOCAL:
        return "is a site-local address"
    return _refused_ip_reason(ip)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[str, list[ipaddress.IPv4Address]] | None:
    """(the form with its article, the IPv4 addresses it embeds) for the IPv6 forms that carry IPv4 addresses."""
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _NAT64_WELL_KNOWN:
        return "a NAT64", [low32]
    if ip.sixtofour is not None:
        return "a 6to4", [ip.sixtofour]
    if ip.teredo is not None:
        server, client = ip.teredo
        return "a Teredo", [server, client]
    if ip in _IPV4_COMPATIBLE and int(ip) > 1:  # not :: or ::1
        return "an IPv4-compatible", [low32]
    return None


def _refused_ip_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip in _METADATA:
        return "is the cloud metadata address"
    if ip.is_loopback:
        return "is a loopback address"
    if ip.is_link_local:
        return "is a link-local address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT:
        return "is a shared (CGNAT) address"
    if ip.is_multicast:
        return "is a multicast address"
    if ip.is_unspecified:
        return "is the unspecified address"
    if ip.is_private or ip.is_reserved or not ip.is_global:
        return "is a private address"
    return None
