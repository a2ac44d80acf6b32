"""Repository and callback URLs: the normal form that identifies a repository, and which addresses a URL may
lead to. Pure: resolving a host is the caller's (usecases/url_policy.py through the HostResolver port).

Normal form (what `repositories.url` holds and webhooks are matched against): scheme and host lowercased, no
credentials, no default port, no query or fragment, path without trailing `/` or `.git`. GitHub's
`ssh_url` (`git@github.com:owner/repo.git`) normalises to the https form of the same repository.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

_DEFAULT_PORTS = {"https": 443, "http": 80}
_SCP_LIKE = re.compile(r"(?P<user>[A-Za-z0-9._-]+)@(?P<host>[A-Za-z0-9.-]+):(?P<path>[^/].*)")
MAX_URL_LENGTH = 2048

# Addresses no request of the service may reach unless private URLs are allowed (local runtime, tests).
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


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


def github_candidate_urls(repository: dict) -> set[str]:
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
    """Why an address is not reachable by the service (None: a public address)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
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
