"""Which snapshot a scan of a git ref replaces: the naming rule from a resolved ref to a snapshot key.

- a branch → (slug, the branch, HEAD): the branch's latest state, replaced on each scan (the ref `HEAD`
  is the default branch);
- a tag → (slug, the branch given, else the repository's default branch, the tag);
- a commit sha → (slug, the branch given, else the default branch, the tag given, else the commit sha).
An explicitly given branch or tag always wins. When the repository advertises no default branch, the
caller's `fallback_branch` names it (the CLI: "main"; a registration: its watched branch).
"""

from __future__ import annotations

from dataclasses import dataclass

from codetracker.domain.model import DEFAULT_SCOPE, SnapshotKey

HEAD_TAG = "HEAD"  # the release tag of a branch's latest state
FALLBACK_BRANCH = "main"  # what git itself names a new repository's first branch


@dataclass(frozen=True, slots=True)
class ResolvedRef:
    """A ref as a fetch resolved it."""

    kind: str  # "branch" | "tag" | "commit"
    name: str  # the short branch or tag name ("" for a commit)
    commit_sha: str
    default_branch: str | None  # the repository's default branch, when it advertises one


def snapshot_key_for_ref(
    ref: ResolvedRef,
    *,
    module_slug: str,
    scope: str = DEFAULT_SCOPE,
    branch_name: str | None = None,
    release_tag: str | None = None,
    fallback_branch: str = FALLBACK_BRANCH,
) -> SnapshotKey:
    if ref.kind == "branch":
        # `HEAD` resolves to a branch without a name: the default branch it stands for.
        name = ref.name or ref.default_branch or fallback_branch
        return SnapshotKey(module_slug, branch_name or name, release_tag or HEAD_TAG, scope)
    branch = branch_name or ref.default_branch or fallback_branch
    if ref.kind == "tag":
        return SnapshotKey(module_slug, branch, release_tag or ref.name, scope)
    return SnapshotKey(module_slug, branch, release_tag or ref.commit_sha, scope)
