"""Module slugs: the name part of a snapshot key.

Slug rule: the name is NFKC-normalised and case-folded; letters and digits of every script are kept
(Unicode categories L* and N*), with the combining marks that follow them (M*: `é` written as `e` + U+0301
stays whole); every run of anything else (spaces, punctuation, symbols, controls, marks with no letter before
them) becomes one `-`; `-` is stripped at both ends. A slug is at most 100 characters, cut before a letter or
digit (never inside a letter and its marks) and without a trailing `-`.

    `@Scope/My Pkg` → `scope-my-pkg`    `Über Paket` → `über-paket`    `日本` → `日本`    `Straße` → `strasse`

A trailing `.git` is dropped first, as git names a repository (`lib0.git` → `lib0`), so a repository scanned
by path, by URL and looked up by name gets one slug.

A name that leaves nothing (``, `---`, `@@@///`) is refused with InvalidInput(field="slug"): two such names
never share a fallback slug. slugify is idempotent: a slug is its own slug.
"""

from __future__ import annotations

import unicodedata

from codetracker.domain.refnames import printable
from codetracker.errors import InvalidInput

MAX_SLUG_LENGTH = 100


def _normalized(name: str) -> str:
    # Case folding can un-normalise (`ΐ` folds to ι + two marks), so NFKC again; then it is stable.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())


def _slug_of(name: str) -> str:
    out: list[str] = []
    in_word = False  # the last character kept was a letter, digit or one of their marks
    for ch in _normalized(name):
        category = unicodedata.category(ch)[0]
        if category in "LN" or (category == "M" and in_word):
            out.append(ch)
            in_word = True
        else:
            if in_word:
                out.append("-")
            in_word = False
    slug = "".join(out).strip("-")
    if len(slug) > MAX_SLUG_LENGTH:
        cut = MAX_SLUG_LENGTH
        while cut > 0 and unicodedata.category(slug[cut])[0] == "M":
            cut -= 1  # never separate a letter from its marks
        slug = slug[:cut].rstrip("-")
    return slug


def slugify(name: str) -> str:
    """The slug of a module name (see the module docstring); InvalidInput(field="slug") when none."""
    if not isinstance(name, str):
        raise InvalidInput(f"a module name must be text, not {type(name).__name__}", field="slug")
    # A repository's name: `lib0.git` is the repository `lib0`, whether given as a path, a URL or a slug.
    stem = name[: -len(".git")] if name.lower().endswith(".git") and len(name) > len(".git") else name
    slug = _slug_of(stem)
    if not slug:
        raise InvalidInput(
            f"module name '{printable(name)}' has no letter or digit to make a slug of; pass a name with one",
            field="slug",
        )
    return slug
