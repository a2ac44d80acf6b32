"""Host resolution for the URL policy: every address a name resolves to (the system resolver), and a static
resolver beside it for tests."""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence

from codetracker.errors import UrlRefused


class SystemResolver:
    def addresses(self, host: str, port: int | None) -> list[str]:
        try:
            infos = socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError):
            raise UrlRefused(f"host {host} does not resolve", field="url") from None
        found = sorted({str(info[4][0]) for info in infos})
        if not found:
            raise UrlRefused(f"host {host} does not resolve", field="url")
        return found


class StaticResolver:
    """Names → addresses, as given; an IP literal resolves to itself; anything else does not resolve."""

    def __init__(self, table: Mapping[str, Sequence[str]]) -> None:
        self._table = {k.lower(): list(v) for k, v in table.items()}

    def addresses(self, host: str, port: int | None) -> list[str]:
        import ipaddress

        try:
            return [str(ipaddress.ip_address(host))]
        except ValueError:
            pass
        if host.lower() not in self._table:
            raise UrlRefused(f"host {host} does not resolve", field="url")
        return self._table[host.lower()]
