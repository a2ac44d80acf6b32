"""Where a repository is: a URL (`http://`, `https://`, `git://`, `file://`) or a local path, parsed once.

Credentials in a URL (`https://user:token@host/…`) are taken out of it: userinfo becomes
`RepositoryLocation.url_credentials` (sent to dulwich as username/password, an Authorization header that goes
only to the URL's origin), and `display_url` never carries them. Neither the URL with userinfo nor a password
appears in a log record, an error message or a repr; an invalid port is reported without echoing the URL.

Local repositories (a plain path or file://) have transport "local" and `path` is the absolute directory.
SSH URLs (`ssh://`, `user@host:path`) are refused with InvalidInput.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from codetracker.errors import InvalidInput, UrlRefused
from codetracker.ports.git import Credentials, RepositoryAccess
from codetracker.ports.network import AddressPolicy

__all__ = ["RepositoryLocation", "check_scheme", "parse_location", "located", "credentials_for"]

_SCP_LIKE = re.compile(r"[^/@:]+@[^/:]+:")


@dataclass(frozen=True, slots=True)
class RepositoryLocation:
    """A parsed repository URL. `display_url` never carries credentials."""

    transport: str  # "http" | "git" | "local"
    display_url: str  # scheme://host[:port]/path, or the absolute local path
    repository_name: str
    path: str  # the path to request from the server, or the local directory
    base_url: str = ""  # http(s): scheme://host[:port]/
    host: str = ""
    port: int | None = None
    url_credentials: Credentials | None = field(default=None, repr=False, compare=False)
    scheme: str = "file"  # "http" | "https" | "git" | "file" (a plain path too)


def check_scheme(location: RepositoryLocation, policy: AddressPolicy | None) -> None:
    """UrlRefused unless the address policy (when there is one) admits the location's scheme: the policy is
    enforced on HTTP(S) connections, so nothing else may pass it."""
    if policy is not None and location.scheme not in policy.schemes:
        allowed = ", ".join(f"{s}://" for s in sorted(policy.schemes))
        raise UrlRefused(f"url scheme {location.scheme}:// is not allowed (allowed: {allowed})", field="url")


def located(access: RepositoryAccess) -> RepositoryLocation:
    """Where the repository is, once the access's address policy admits its scheme."""
    location = parse_location(access.url)
    check_scheme(location, access.address_policy)
    return location


def credentials_for(location: RepositoryLocation, given: Credentials | None) -> Credentials | None:
    """The credentials to send: those given, else the URL's. InvalidInput for any on git:// or a local path:
    they have no authentication, and silently dropping a token would hide a mistake."""
    credentials = given or location.url_credentials
    if location.transport != "http" and credentials:
        raise InvalidInput(
            f"credentials apply to http(s) repositories only, not {location.display_url}", field="credentials"
        )
    return credentials


def _repository_name(path: str, fallback: str) -> str:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".git"):
        last = last[: -len(".git")]
    return last or fallback


def parse_location(url: str) -> RepositoryLocation:
    """Split a repository URL or path; userinfo becomes `url_credentials` and leaves the URL."""
    if not url or not url.strip():
        raise InvalidInput("the repository URL is empty", field="url")
    url = url.strip()
    try:
        split = urlsplit(url)
    except ValueError:
        raise InvalidInput("the repository URL is malformed", field="url") from None
    scheme = split.scheme.lower()
    if scheme in ("http", "https", "git"):
        try:
            host, port = split.hostname, split.port
        except ValueError:  # a port that is not a number; the message could echo the URL, so drop it
            raise InvalidInput("the repository URL has an invalid port", field="url") from None
        if not host:
            raise InvalidInput("the repository URL has no host", field="url")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        path = split.path or "/"
        display = f"{scheme}://{netloc}{path}"
        credentials = None
        if split.username is not None or split.password is not None:
            credentials = Credentials(unquote(split.username or ""), unquote(split.password or ""))
        name = _repository_name(unquote(path), host)
        if scheme == "git":
            return RepositoryLocation(
                "git", display, name, unquote(path), host=host, port=port, url_credentials=credentials, scheme="git"
            )
        return RepositoryLocation(
            "http",
            display,
            name,
            path,
            base_url=f"{scheme}://{netloc}/",
            host=host,
            port=port,
            url_credentials=credentials,
            scheme=scheme,
        )
    if scheme == "file":
        local = unquote(split.path)
    elif scheme and len(scheme) > 1:  # "c:" would be a drive letter, not a scheme
        raise InvalidInput(f"unsupported repository URL scheme {scheme!r}", field="url")
    elif _SCP_LIKE.match(url):
        raise InvalidInput("SSH repository URLs (user@host:path) are not supported", field="url")
    else:
        local = url
    local = os.path.abspath(os.path.expanduser(local))
    return RepositoryLocation("local", local, _repository_name(local, "repository"), local)
