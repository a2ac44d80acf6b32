"""DulwichFetcher, the RepositoryFetcher port over dulwich: one ref at depth 1, into memory.

No checkout, no work directory. Remote URLs go through a `RemoteSession` (see remote.py: the fetch, the
filter, the deadline), local repositories are read in place (local.py). Credentials apply to http(s) only:
git:// and local paths have no authentication, and silently dropping a token would hide a mistake.

The package, by concern: location (URLs), refs (ref rules, default branch, peeling), errors (translation
into codetracker.errors), transport (dulwich/urllib3 clients with timeouts), pack_stream (streaming pack
parser, object pool), commit_tree (a SourceTree over a commit's tree), fetched_tree, remote, local.
"""

from __future__ import annotations

from collections.abc import Callable

from codetracker.adapters.git.fetched_tree import GitFetchedTree, close_quietly
from codetracker.adapters.git.local import open_local
from codetracker.adapters.git.location import check_scheme, parse_location
from codetracker.adapters.git.refs import checked_ref
from codetracker.adapters.git.remote import RemoteSession
from codetracker.errors import InvalidInput
from codetracker.ports.git import Credentials, FetchLimits
from codetracker.ports.network import AddressPolicy

__all__ = ["DulwichFetcher"]


class DulwichFetcher:
    """RepositoryFetcher: `open(url, ref)` fetches one ref at depth 1 and returns a GitFetchedTree.

    Stateless and cheap to build; nothing is written to disk (packs are parsed as they arrive).
    """

    def open(
        self,
        url: str,
        ref: str,
        *,
        credentials: Credentials | None = None,
        limits: FetchLimits = FetchLimits(),
        progress: Callable[[int], None] | None = None,
        address_policy: AddressPolicy | None = None,
    ) -> GitFetchedTree:
        """progress: called with the bytes received so far, a few times per second at most while data
        arrives (see remote.py); never for a local repository, which is read in place.
        address_policy: where connections may go (ports.AddressPolicy; transport.py enforces it)."""
        location = parse_location(url)
        check_scheme(location, address_policy)
        requested = checked_ref(ref)
        if location.transport != "http" and (credentials or location.url_credentials):
            # git:// and local paths have no authentication: silently dropping a token would hide a mistake.
            raise InvalidInput(
                f"credentials apply to http(s) repositories only, not {location.display_url}", field="credentials"
            )
        if location.transport == "local":
            return open_local(location, requested, limits)
        session = RemoteSession(location, credentials or location.url_credentials, limits, progress, address_policy)
        try:
            return session.open_ref(requested)
        except BaseException:
            close_quietly(session.close, location.display_url)
            raise
