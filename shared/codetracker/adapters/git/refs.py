"""Which object a REF names, the remote's default branch, and peeling tags to their commit.

Refs. REF may be a branch or tag name, a fully qualified ref (`refs/heads/x`, `refs/tags/x`, `refs/pull/1/
head`; other namespaces count as "branch" with the full ref as name), `HEAD` (the default branch), a full
40-hex commit SHA, or an abbreviated SHA (4 to 39 hex) that is a prefix of exactly one branch tip (anything
else abbreviated is RefNotFound: servers cannot resolve abbreviations). SHAs are case-insensitive: a REF that
names no branch or tag and is hex is lower-cased before any matching, in every step (ls-refs prefixes,
tips, the want), and the fetched commit is always the full lower-case SHA. A name that is both a branch and a tag
resolves to the branch, as `git clone --branch` does; pass `refs/tags/<name>` for the tag. Annotated tags
are peeled to their commit. A commit SHA that no ref points at is fetched if the server allows wants by id
(git v2 servers, GitHub); when it refuses, that is RefNotFound.

Default branch: the target of the advertised HEAD symref. Without one (old servers): the only branch
whose tip equals HEAD's SHA (main, then master, then the first by name on a tie); without HEAD: main, then
master if present; else None.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from codetracker.adapters.git.commit_tree import OBJ_COMMIT, OBJ_TAG, ObjectSource, tag_target
from codetracker.errors import FetchError, InvalidInput, RefNotFound

__all__ = ["RefTarget", "checked_ref", "default_branch", "peel_to_commit", "ref_prefixes", "resolve_ref"]

_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_SHORT_SHA = re.compile(r"[0-9a-f]{4,39}")
_PEELED_SUFFIX = b"^{}"
_MAX_TAG_DEPTH = 10


@dataclass(frozen=True, slots=True)
class RefTarget:
    kind: str  # "branch" | "tag" | "commit"
    name: str  # short name ("" for a commit; the full ref for namespaces other than heads/tags)
    sha: str  # the object to want: commit, or annotated tag object
    advertised: bool  # a ref points at it (False: a bare commit SHA the server may refuse)


def _full_sha(requested: str) -> str | None:
    """The lower-case SHA when REF is a full 40-hex SHA in any case, else None."""
    lowered = requested.lower()
    return lowered if _FULL_SHA.fullmatch(lowered) else None


def ref_prefixes(requested: str) -> list[bytes]:
    """ls-refs prefixes (protocol v2): HEAD and branches (for the default branch), plus the candidates."""
    prefixes = [b"HEAD", b"refs/heads/"]
    if requested.startswith("refs/") and not requested.startswith("refs/heads/"):
        prefixes.append(requested.encode("utf-8"))
    elif requested != "HEAD" and _full_sha(requested) is None:
        prefixes.append(b"refs/tags/" + requested.encode("utf-8"))
    return prefixes


def resolve_ref(requested: str, refs: Mapping[bytes, bytes]) -> RefTarget:
    """Resolve REF against advertised refs (name -> sha, bytes). Raises RefNotFound."""
    advertised = {name: sha for name, sha in refs.items() if sha and not name.endswith(_PEELED_SUFFIX)}
    if requested == "HEAD":
        if b"HEAD" in advertised:
            return RefTarget("branch", "", advertised[b"HEAD"].decode("ascii"), True)
        raise RefNotFound("the repository advertises no HEAD")
    if requested.startswith("refs/"):
        sha = advertised.get(requested.encode("utf-8"))
        if sha is None:
            raise RefNotFound(f"ref {requested!r} not found")
        for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
            if requested.startswith(prefix):
                return RefTarget(kind, requested[len(prefix) :], sha.decode("ascii"), True)
        return RefTarget("branch", requested, sha.decode("ascii"), True)
    for prefix, kind in (("refs/heads/", "branch"), ("refs/tags/", "tag")):
        sha = advertised.get(f"{prefix}{requested}".encode("utf-8"))
        if sha is not None:
            return RefTarget(kind, requested, sha.decode("ascii"), True)
    full = _full_sha(requested)
    if full is not None:
        tips = {sha.decode("ascii").lower() for sha in refs.values() if sha}
        return RefTarget("commit", "", full, full in tips)
    lowered = requested.lower()
    if _SHORT_SHA.fullmatch(lowered):
        # Only branch tips: servers list all branches but (protocol v2) only the requested tag names.
        branch_tips = [sha for name, sha in advertised.items() if name == b"HEAD" or name.startswith(b"refs/heads/")]
        matches = {
            sha.decode("ascii").lower() for sha in branch_tips if sha.decode("ascii").lower().startswith(lowered)
        }
        if len(matches) == 1:
            return RefTarget("commit", "", matches.pop(), True)
        if len(matches) > 1:
            raise RefNotFound(f"abbreviated SHA {requested!r} is ambiguous; pass the full 40-character SHA")
        raise RefNotFound(
            f"ref {requested!r} not found (abbreviated SHAs resolve only against branch tips; "
            "pass the full 40-character SHA)"
        )
    raise RefNotFound(f"ref {requested!r} not found")


def default_branch(refs: Mapping[bytes, bytes | None], symrefs: Mapping[bytes, bytes]) -> str | None:
    """The remote's default branch: HEAD's symref target, else a heuristic (see module docstring)."""
    target = symrefs.get(b"HEAD")
    if target is not None and target.startswith(b"refs/heads/"):
        return target[len(b"refs/heads/") :].decode("utf-8", "backslashreplace")
    branches = {
        name[len(b"refs/heads/") :]: sha
        for name, sha in refs.items()
        if name.startswith(b"refs/heads/") and not name.endswith(_PEELED_SUFFIX)
    }
    head = refs.get(b"HEAD")
    candidates = sorted(name for name, sha in branches.items() if sha == head) if head else sorted(branches)
    if head and len(candidates) == 1:
        return candidates[0].decode("utf-8", "backslashreplace")
    for preferred in (b"main", b"master"):
        if preferred in candidates:
            return preferred.decode("ascii")
    if head and candidates:
        return candidates[0].decode("utf-8", "backslashreplace")
    return None


def checked_ref(ref: str) -> str:
    if not isinstance(ref, str) or not ref.strip() or any(ch.isspace() or ord(ch) < 32 for ch in ref):
        raise InvalidInput("REF must be a branch, tag or commit SHA without spaces", field="ref")
    return ref


def peel_to_commit(objects: ObjectSource, sha: bytes, requested: str, *, absent: type[FetchError]) -> bytes:
    for _ in range(_MAX_TAG_DEPTH):
        found = objects.get(sha)
        if found is None:
            if absent is RefNotFound:
                raise RefNotFound(f"commit {sha.decode('ascii')} not found (or not fetchable by SHA)")
            raise absent(f"object {sha.decode('ascii')} for ref {requested!r} was not received")
        kind, raw = found
        if kind == OBJ_COMMIT:
            return sha
        if kind != OBJ_TAG:
            raise RefNotFound(f"ref {requested!r} does not point at a commit")
        _kind, sha = tag_target(raw)
    raise RefNotFound(f"ref {requested!r}: tags nested too deeply")
