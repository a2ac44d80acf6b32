"""Which repository and callback URLs the service accepts, checked when they are registered and again by
whoever connects to them (a name that resolved to a public address may resolve elsewhere later: DNS
rebinding), through the same function.

- `https` only; with `allow_private` (CODE_TRACKER_ALLOW_PRIVATE_URLS=1: the local runtime and tests) also
  `http`, and `file` for repositories;
- no credentials in the URL (a repository's token goes in `access_token`, encrypted at rest);
- the host must resolve, and *every* address it resolves to must be public: loopback, private, link-local,
  CGNAT, multicast, reserved and the cloud metadata address are refused (unless `allow_private`).

Fetches and ref listings get the same policy as an `AddressPolicy` (`fetch_policy`): their connections go only
to addresses it checked, and every redirect hop is checked again (adapters/git/transport.py).

Use cases take the service's policy as a `UrlPolicy` (the resolver and the setting, built once by wiring).
"""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.domain.urls import ParsedUrl, UrlError, parse_url, refused_address_reason
from codetracker.errors import UrlRefused
from codetracker.ports.network import AddressPolicy, HostResolver

REPOSITORY = "repository"
CALLBACK = "callback"


def allowed_schemes(kind: str, *, allow_private: bool) -> frozenset[str]:
    if not allow_private:
        return frozenset({"https"})
    return frozenset({"https", "http", "file"}) if kind == REPOSITORY else frozenset({"https", "http"})


def check_url(text: str, *, kind: str, field: str, resolver: HostResolver, allow_private: bool) -> ParsedUrl:
    """The parsed URL when the policy admits it; UrlRefused naming `field` otherwise."""
    try:
        parsed = parse_url(text, schemes=allowed_schemes(kind, allow_private=allow_private))
    except UrlError as err:
        raise UrlRefused(f"{field} {err.reason}", field=field) from None
    if parsed.had_credentials:
        hint = " (put a repository's token in access_token)" if kind == REPOSITORY else ""
        raise UrlRefused(f"{field} must not contain credentials{hint}", field=field)
    if parsed.host is None or allow_private:
        return parsed
    try:
        addresses = resolver.addresses(parsed.host, parsed.port)
    except UrlRefused as err:
        raise UrlRefused(f"{field}: {err}", field=field) from None
    for address in addresses:
        reason = refused_address_reason(address)
        if reason is not None:
            raise UrlRefused(f"{field}: host {parsed.host} resolves to {address}, which {reason}", field=field)
    return parsed


def fetch_policy(resolver: HostResolver, *, allow_private: bool) -> AddressPolicy | None:
    """What a fetch for the service must hold its connections to (None: private URLs allowed, anything goes)."""
    return None if allow_private else AddressPolicy(resolver, schemes=allowed_schemes(REPOSITORY, allow_private=False))


@dataclass(frozen=True, slots=True)
class UrlPolicy:
    """The service's URL policy: what use cases are given (wiring builds it from the settings)."""

    resolver: HostResolver
    allow_private: bool = False  # CODE_TRACKER_ALLOW_PRIVATE_URLS

    def check(self, text: str, *, kind: str, field: str) -> ParsedUrl:
        return check_url(text, kind=kind, field=field, resolver=self.resolver, allow_private=self.allow_private)

    def address_policy(self) -> AddressPolicy | None:
        return fetch_policy(self.resolver, allow_private=self.allow_private)
