"""Semantic versions (semver.org 2.0.0) and the release tags that carry them, pure.

`Version` is a value: parsed strictly (three numeric parts without leading zeros, optional pre-release and
build), ordered by precedence as §11 says: major, minor, patch numerically; a pre-release precedes its
release; pre-release identifiers compare one by one, numeric ones numerically and below alphanumeric ones
(compared in ASCII order), and a shorter list precedes a longer one it begins. Build metadata is kept but
never counts: two versions that differ only in build are unequal values of equal precedence (neither `<`
the other, each `<=` the other).

`tag_version` reads the version a git tag names: `1.2.3`, `v1.2.3` (or `V`), `name@1.2.3` (a package of a
monorepo, `@scope/name@1.2.3` included); anything else names none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# semver.org's own grammar: no leading zeros in numeric parts or numeric pre-release identifiers.
_NUMBER = r"0|[1-9]\d*"
_PRE_IDENTIFIER = r"(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)"
_VERSION = re.compile(
    rf"(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_PRE_IDENTIFIER}(?:\.{_PRE_IDENTIFIER})*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?",
    re.ASCII,  # \d is 0-9 only
)


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    # Numeric identifiers precede alphanumeric ones; each kind compares within itself.
    return (0, int(identifier), "") if identifier.isdigit() else (1, 0, identifier)


@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version | None:
        """The version `text` is exactly, or None."""
        found = _VERSION.fullmatch(text)
        if found is None:
            return None
        pre, build = found["pre"], found["build"]
        return cls(
            int(found["major"]),
            int(found["minor"]),
            int(found["patch"]),
            tuple(pre.split(".")) if pre else (),
            tuple(build.split(".")) if build else (),
        )

    @property
    def is_prerelease(self) -> bool:
        return bool(self.prerelease)

    @property
    def precedence(self) -> tuple[int, int, int, tuple[int | tuple[int, int, str], ...]]:
        """The key versions sort by (build left out)."""
        release: tuple[int | tuple[int, int, str], ...]
        release = (1,) if not self.prerelease else (0, *(_identifier_key(i) for i in self.prerelease))
        return (self.major, self.minor, self.patch, release)

    def __lt__(self, other: Version) -> bool:
        return self.precedence < other.precedence

    def __le__(self, other: Version) -> bool:
        return self.precedence <= other.precedence

    def __gt__(self, other: Version) -> bool:
        return self.precedence > other.precedence

    def __ge__(self, other: Version) -> bool:
        return self.precedence >= other.precedence

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(self.prerelease)
        if self.build:
            text += "+" + ".".join(self.build)
        return text


@dataclass(frozen=True, slots=True)
class TagVersion:
    """A tag that names a version: `package` is the part before `@` of `name@1.2.3`, else None."""

    tag: str
    package: str | None
    version: Version


def tag_version(tag: str) -> TagVersion | None:
    package, at, rest = tag.rpartition("@")
    if at:
        if not package or package == "@":
            return None
        version = Version.parse(rest)
        return TagVersion(tag, package, version) if version is not None else None
    version = Version.parse(tag[1:] if tag[:1] in ("v", "V") else tag)
    return TagVersion(tag, None, version) if version is not None else None


def newest_first(tags: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """Tags newest release first: those naming a version by precedence, highest first (ties: by name,
    highest first), then the others by name, highest first."""
    versioned: list[tuple[TagVersion, str]] = []
    others: list[str] = []
    for tag in tags:
        found = tag_version(tag)
        if found is None:
            others.append(tag)
        else:
            versioned.append((found, tag))
    versioned.sort(key=lambda pair: (pair[0].version.precedence, pair[1]), reverse=True)
    return [tag for _, tag in versioned] + sorted(others, reverse=True)
