"""The naming rule from a resolved ref to the snapshot key it replaces."""

from __future__ import annotations

import pytest

from codetracker.domain.model import SnapshotKey
from codetracker.domain.snapshot_keys import HEAD_TAG, ResolvedRef, snapshot_key_for_ref

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("ref", "given", "expected"),
    [
        (ResolvedRef("branch", "dev", SHA, "main"), {}, ("dev", HEAD_TAG)),
        (ResolvedRef("tag", "v1.0.0", SHA, "trunk"), {}, ("trunk", "v1.0.0")),
        (ResolvedRef("commit", "", SHA, "trunk"), {}, ("trunk", SHA)),
        (ResolvedRef("tag", "v1.0.0", SHA, None), {}, ("main", "v1.0.0")),  # no default branch advertised
        (ResolvedRef("tag", "v1.0.0", SHA, None), {"fallback_branch": "watched"}, ("watched", "v1.0.0")),
        (ResolvedRef("branch", "dev", SHA, "main"), {"branch_name": "x", "release_tag": "y"}, ("x", "y")),
        (ResolvedRef("tag", "v1", SHA, "main"), {"branch_name": "release-1.x"}, ("release-1.x", "v1")),
        (ResolvedRef("commit", "", SHA, "main"), {"release_tag": "nightly"}, ("main", "nightly")),
        # The ref HEAD resolves to a branch without a name: the default branch (a registration without branch).
        (ResolvedRef("branch", "", SHA, "trunk"), {}, ("trunk", HEAD_TAG)),
        (ResolvedRef("branch", "", SHA, None), {"fallback_branch": "watched"}, ("watched", HEAD_TAG)),
    ],
)
def test_naming_rule(ref, given, expected):
    key = snapshot_key_for_ref(ref, module_slug="m", **given)
    assert (key.branch_name, key.release_tag) == expected and key.module_slug == "m"


def test_the_scope_is_part_of_the_key():
    ref = ResolvedRef("branch", "main", SHA, "main")
    assert snapshot_key_for_ref(ref, module_slug="m", scope="repository:7") == SnapshotKey(
        "m", "main", "HEAD", "repository:7"
    )
    assert snapshot_key_for_ref(ref, module_slug="m").scope == "local"
