"""Which branches and tags a registration watches, pure.

A registration always watches its branch (the `branch` it names, else the repository's default branch: what
a scan without a ref scans and what tag snapshots are filed under), plus every branch matching one of its
branch patterns, plus every tag matching one of its tag patterns.

Patterns are git-style globs over the short ref name, as GitHub's branch-protection rules read them: `*`
matches any run of characters except `/`, `**` any run including `/`, `?` one character except `/`;
everything else is literal. So `release/*` matches `release/1.x` but not `release/1.x/hotfix`, and `v*`
does not match `v1/x`. The tag pattern `:semver` (a colon cannot occur in a git ref name, so it names no
real tag) matches every tag that names a semantic version (domain/semver.py: `v1.2.3`, `1.2.3-rc.1`,
`name@1.2.3`); it is the default tag pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from codetracker.domain.semver import tag_version

SEMVER_TAGS = ":semver"
DEFAULT_TAG_PATTERNS: tuple[str, ...] = (SEMVER_TAGS,)
MAX_PATTERNS = 50
MAX_PATTERN_LENGTH = 255
_NOT_IN_PATTERNS = "~^:\\[ "


def pattern_problem(pattern: object, *, tags: bool) -> str | None:
    """Why `pattern` cannot be a branch (tags=False) or tag pattern; None when it can."""
    if not isinstance(pattern, str) or not pattern:
        return "a pattern must be a non-empty string"
    if tags and pattern == SEMVER_TAGS:
        return None
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"a pattern is at most {MAX_PATTERN_LENGTH} characters"
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F or 0xD800 <= ord(ch) <= 0xDFFF for ch in pattern):
        return "a pattern must not contain spaces or control characters"
    bad = sorted({ch for ch in pattern if ch in _NOT_IN_PATTERNS})
    if bad:
        return f"a pattern must not contain {''.join(bad)!r} (only *, ** and ? are wildcards)"
    if pattern.startswith("refs/"):
        return "a pattern matches short names (main, v*), without refs/heads/ or refs/tags/"
    if ".." in pattern or pattern.startswith(("-", "/")) or pattern.endswith(("/", ".lock")):
        return f"{pattern!r} can match no git ref name"
    return None


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts), re.DOTALL)


def matches(pattern: str, name: str) -> bool:
    """Whether the short ref name `name` matches the glob `pattern` (`:semver`: names a version)."""
    if pattern == SEMVER_TAGS:
        return tag_version(name) is not None
    return _compiled(pattern).fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class Watch:
    """What one registration watches; `branch` is its own branch, None while the default branch is unknown."""

    branch: str | None
    branch_patterns: tuple[str, ...] = ()
    tag_patterns: tuple[str, ...] = DEFAULT_TAG_PATTERNS

    def watches_branch(self, name: str) -> bool:
        return name == self.branch or any(matches(p, name) for p in self.branch_patterns)

    def watches_tag(self, name: str) -> bool:
        return any(matches(p, name) for p in self.tag_patterns)

    def watches(self, kind: str, name: str) -> bool:
        return self.watches_branch(name) if kind == "branch" else self.watches_tag(name)

    def describe(self, kind: str) -> str:
        """What is watched of `kind` ("branches main, release/*", "tags :semver", "no tags"), for the timeline."""
        if kind == "branch":
            return "branches " + ", ".join([self.branch or "(the default branch)", *self.branch_patterns])
        return "tags " + ", ".join(self.tag_patterns) if self.tag_patterns else "no tags"
