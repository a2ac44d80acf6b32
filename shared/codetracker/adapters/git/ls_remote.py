"""RefLister over dulwich: what a repository advertises (ls-remote), without fetching any object.

Remote repositories (http(s), git://) answer one ref advertisement under the session's timeouts and deadline
(remote.RemoteSession.list_refs); local ones are read in place. Annotated tags are given as the commit they
peel to: the server's `^{}` entries, or the local object store."""

from __future__ import annotations

from codetracker.adapters.git.fetched_tree import close_quietly
from codetracker.adapters.git.local import RepoObjects, _open_repo, _translator
from codetracker.adapters.git.location import credentials_for, located
from codetracker.adapters.git.refs import default_branch, peel_to_commit
from codetracker.adapters.git.remote import RemoteSession
from codetracker.errors import RefNotFound
from codetracker.ports.git import RemoteRefs, RepositoryAccess

_HEADS, _TAGS, _PEELED = b"refs/heads/", b"refs/tags/", b"^{}"


def _decode(name: bytes) -> str:
    return name.decode("utf-8", "backslashreplace")


def _remote_refs(refs: dict[bytes, bytes], symrefs: dict[bytes, bytes], peel) -> RemoteRefs:
    branches = {
        _decode(name[len(_HEADS) :]): sha.decode("ascii")
        for name, sha in refs.items()
        if name.startswith(_HEADS) and not name.endswith(_PEELED)
    }
    tags = {}
    for name, sha in refs.items():
        if not name.startswith(_TAGS) or name.endswith(_PEELED):
            continue
        peeled = refs.get(name + _PEELED)
        tags[_decode(name[len(_TAGS) :])] = (peeled or peel(name, sha)).decode("ascii")
    return RemoteRefs(default_branch(refs, symrefs), branches, tags)


class DulwichRefLister:
    def list_refs(self, access: RepositoryAccess) -> RemoteRefs:
        location = located(access)
        credentials = credentials_for(location, access.credentials)
        if location.transport == "local":
            repo = _open_repo(location)
            try:
                refs = {name: sha for name, sha in repo.get_refs().items() if sha}
                symrefs = repo.refs.get_symrefs()
                objects = RepoObjects(repo.object_store, _translator(location))

                def peel(name: bytes, sha: bytes) -> bytes:
                    try:
                        return peel_to_commit(objects, sha, _decode(name), absent=RefNotFound)
                    except RefNotFound:
                        return sha  # a tag of something that is not a commit: listed as it is

                return _remote_refs(refs, symrefs, peel)
            finally:
                close_quietly(repo.close, location.display_url)
        session = RemoteSession(location, credentials, access.limits, address_policy=access.address_policy)
        try:
            refs, symrefs = session.list_refs()
        finally:
            close_quietly(session.close, location.display_url)
        # Without a `^{}` entry the advertised object is the commit itself (a lightweight tag).
        return _remote_refs(refs, symrefs, lambda _name, sha: sha)
