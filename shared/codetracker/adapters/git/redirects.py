"""Which redirects a git fetch follows (issue 17): those of the ref advertisement (the first GET) only, at most
`MAX_REDIRECTS`, as git does by default (http.followRedirects=initial). GitHub, GitLab and Bitbucket answer a
renamed or transferred repository's info/refs with a 301, and an `http://` one with a redirect to `https://`:
refusing every redirect would fail those, and following one is no worse than registering its target.

A hop must keep the advertisement's path and query, carry no credentials and use a scheme the address policy
admits (http or https without one). Its host is not checked here: the hop is connected like the first URL
(transport.py), resolved and checked then, so a redirect inwards is refused before anything is sent there,
the same way whatever the refused address would have answered. The pack request (a POST) is never
redirected; dulwich sends credentials to the first URL's origin only.
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urljoin, urlsplit

from codetracker.errors import RedirectRefused
from codetracker.ports.network import AddressPolicy

__all__ = ["ADVERTISEMENT", "MAX_REDIRECTS", "REDIRECT_STATUSES", "redirect_target", "shown_url"]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ADVERTISEMENT = "/info/refs"


def shown_url(url: str) -> str:
    """scheme://host[:port]/path of a URL a server sent: no credentials, no query."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    with suppress(ValueError):
        if parts.port is not None:
            netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}{parts.path}"


def redirect_target(url: str, location: str | None, *, posting: bool, hops: int, policy: AddressPolicy | None) -> str:
    """The URL a redirect of `url` leads to, when it is one the client follows; RedirectRefused otherwise.
    Its host is checked when it is connected (the pinned connection), like the first URL's."""
    here = shown_url(url)
    if posting or ADVERTISEMENT not in urlsplit(url).path:
        raise RedirectRefused(f"{here} answered a git request with a redirect; only the ref advertisement may be")
    if not location:
        raise RedirectRefused(f"{here} answered a redirect without a location")
    if hops > MAX_REDIRECTS:
        raise RedirectRefused(f"{here} is more than {MAX_REDIRECTS} redirects away from the repository URL")
    try:
        target = urljoin(url, location.strip())
        parts, asked = urlsplit(target), urlsplit(url)
        well_formed = parts.port is None or parts.port > 0
    except ValueError:  # an unbalanced IPv6 bracket, a port that is not a number
        well_formed = False
    if not well_formed:
        raise RedirectRefused(f"{here} redirected to a malformed URL")
    schemes = policy.schemes if policy is not None else frozenset({"http", "https"})
    if parts.scheme not in schemes:
        allowed = ", ".join(f"{s}://" for s in sorted(schemes))
        raise RedirectRefused(f"{here} redirected to scheme {parts.scheme or '(none)'}:// (allowed: {allowed})")
    if parts.username is not None or parts.password is not None or not parts.hostname:
        raise RedirectRefused(f"{here} redirected to a URL with credentials or without a host")
    if not parts.path.endswith(ADVERTISEMENT) or parts.query != asked.query or parts.fragment:
        raise RedirectRefused(f"{here} redirected to {shown_url(target)}, which is not a git ref advertisement")
    return target
