"""Watched refs: git-style globs over short ref names (`*` stops at `/`, `**` does not), the `:semver` tag
pattern, which patterns are refused, and what a registration's watch covers."""

from __future__ import annotations

import pytest

from codetracker.domain.watch import DEFAULT_TAG_PATTERNS, SEMVER_TAGS, Watch, matches, pattern_problem


@pytest.mark.parametrize(
    ("pattern", "name", "expected"),
    [
        ("main", "main", True),
        ("main", "main2", False),
        ("release/*", "release/1.x", True),
        ("release/*", "release/1.x/hotfix", False),
        ("release/**", "release/1.x/hotfix", True),
        ("**/lts", "a/b/lts", True),
        ("v*", "v1.2.3", True),
        ("v*", "v1/x", False),
        ("*@*", "leaflet@1.9.4", True),
        ("*@*", "@scope/pkg@1.0.0", False),
        ("**@*", "@scope/pkg@1.0.0", True),
        ("v?.*", "v1.2", True),
        ("v?.*", "v10.2", False),
        ("a.b", "axb", False),  # `.` is literal, not a regex wildcard
        ("(x)+", "(x)+", True),
        (SEMVER_TAGS, "v1.2.3", True),
        (SEMVER_TAGS, "pkg@1.0.0-rc.1", True),
        (SEMVER_TAGS, "nightly", False),
    ],
)
def test_matches(pattern, name, expected):
    assert matches(pattern, name) is expected


@pytest.mark.parametrize(
    ("pattern", "tags", "reason"),
    [
        ("", False, "non-empty"),
        (None, True, "non-empty"),
        ("has space", False, "spaces"),
        ("a\x00b", True, "control"),
        ("v[0-9]*", True, "'['"),
        ("refs/heads/main", False, "short names"),
        ("a..b", False, "can match no"),
        ("release/", False, "can match no"),
        (":semver", False, "':'"),  # only a tag pattern
        ("x" * 256, True, "at most 255"),
    ],
)
def test_refused_patterns_say_why(pattern, tags, reason):
    problem = pattern_problem(pattern, tags=tags)
    assert problem is not None and reason in problem


def test_accepted_patterns():
    for pattern in ("main", "release/*", "**", "v*", "*@*", "feature/**/wip?"):
        assert pattern_problem(pattern, tags=False) is None
    assert pattern_problem(SEMVER_TAGS, tags=True) is None


def test_a_watch_covers_its_branch_its_branch_patterns_and_its_tag_patterns():
    watch = Watch("main", ("release/*",), ("v*", "*@*"))
    assert watch.watches("branch", "main") and watch.watches("branch", "release/2.x")
    assert not watch.watches("branch", "feature/x") and not watch.watches("branch", "release/2.x/fix")
    assert watch.watches("tag", "v1.0.0") and watch.watches("tag", "core@2.0.0") and not watch.watches("tag", "1.0.0")
    assert watch.describe("branch") == "branches main, release/*" and watch.describe("tag") == "tags v*, *@*"
    default = Watch(None)
    assert default.tag_patterns == DEFAULT_TAG_PATTERNS
    assert default.watches("tag", "1.0.0") and not default.watches("tag", "nightly")
    assert default.describe("branch") == "branches (the default branch)"
    assert Watch("main", (), ()).describe("tag") == "no tags" and not Watch("main", (), ()).watches("tag", "v1.0.0")
