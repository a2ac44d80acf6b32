"""Per-package release tags: which packages a git tag is a release of, and under which release tag.

- `name@1.2.3` (changesets, lerna; `@scope/name@1.2.3` too) and `name-v1.2.3` name one package: when the
  tree has a package of that name, the tag is a release of that package only, stored under release tag
  `1.2.3`;
- any other tag (`v1.2.3`, `1.2.3`, `release-2024`), or one naming a package the tree does not have,
  applies to every package, under the tag's own name (as for a tree without packages).
A version is semver-shaped: `MAJOR.MINOR.PATCH`, then optionally `-prerelease` and `+build`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_VERSION = r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"
_AT_FORM = re.compile(rf"((?:@[^@/\s]+/)?[^@\s]+)@({_VERSION})")
_DASH_V_FORM = re.compile(rf"(.+)-v({_VERSION})")


@dataclass(frozen=True, slots=True)
class TagRelease:
    packages: tuple[str, ...] | None  # the package names it is a release of; None: every package
    release_tag: str


def package_of_tag(tag: str) -> tuple[str, str] | None:
    """(package name, version) when the tag is written `name@version` or `name-vversion`; else None."""
    for form in (_AT_FORM, _DASH_V_FORM):
        found = form.fullmatch(tag)
        if found:
            return found.group(1), found.group(2)
    return None


def release_of_tag(tag: str, package_names: Iterable[str]) -> TagRelease:
    """Which of the tree's packages `tag` releases, and the release tag to store them under."""
    named = package_of_tag(tag)
    if named is not None and named[0] in set(package_names):
        return TagRelease((named[0],), named[1])
    return TagRelease(None, tag)
