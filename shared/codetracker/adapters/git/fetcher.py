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
from codetracker.adapters.git.location import credentials_for, located
from codetracker.adapters.git.refs import checked_ref
from codetracker.adapters.git.remote import RemoteSession
from codetracker.ports.git import RepositoryAccess

__all__ = ["DulwichFetcher"]


class DulwichFetcher:
    """RepositoryFetcher: `open(url, ref)` fetches one ref at depth 1 and returns a GitFetchedTree.

    Stateless and cheap to build; nothing is written to disk (packs are parsed as they arrive).
    """

    def open(
        self, access: RepositoryAccess, ref: str, *, progress: Callable[[int], None] | None = None
    ) -> GitFetchedTree:
        """progress: called with the bytes received so far, a few times per second at most while data
        arrives (see remote.py); never for a local repository, which is read in place.
        access.address_policy: where connections may go (ports.AddressPolicy; transport.py enforces it)."""
        location = located(access)
        requested = checked_ref(ref)
        credentials = credentials_for(location, access.credentials)
        if location.transport == "local":
            return open_local(location, requested, access.limits)
        session = RemoteSession(location, credentials, access.limits, progress, access.address_policy)
        try:
            return session.open_ref(requested)
        except BaseException:
            close_quietly(session.close, location.display_url)
            raise
