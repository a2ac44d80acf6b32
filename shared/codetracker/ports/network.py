"""Where outbound connections may go: host resolution and the address policy checked when connecting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from codetracker.domain.urls import refused_address_reason


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Where a fetch for the service may connect (private URLs not allowed; the CLI and the local runtime pass
    none): only `schemes`; every host, the URL's and each redirect's, is resolved once by `resolver`, every
    address it resolves to must be admitted by `refused_reason`, and the connection goes to one of those checked
    addresses (nothing resolves the name again: DNS rebinding) while TLS still checks the host name.

    Tests tell the policy that their own servers count as public (`refused_reason`, `schemes`)."""

    resolver: HostResolver
    refused_reason: Callable[[str], str | None] = refused_address_reason
    schemes: frozenset[str] = frozenset({"https"})


class HostResolver(Protocol):
    def addresses(self, host: str, port: int | None) -> list[str]:
        """Every address the host resolves to (IPv4 and IPv6). Raises codetracker.errors.UrlRefused when
        it does not resolve."""
        ...
