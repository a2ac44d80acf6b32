"""Branch and tag names (git's ref-name rules), recorded commit shas, and safe display of stored text.

Ref-name rule (what `git check-ref-format` accepts for `refs/heads/<name>` and `refs/tags/<name>`, plus two
refusals of `git branch`/`git tag` and a length cap of ours):

- not empty, at most 255 bytes of UTF-8 (our cap), valid Unicode;
- no control character (U+0000-U+001F, U+007F), no space, none of `~ ^ : ? * [ \\`;
- no `..`, no `@{`; not `@` alone; not starting with `-` (git branch/tag refuse those);
- no leading or trailing `/`, no `//`; no component starting with `.` or ending with `.lock`;
- not ending with `.`.

Commit-sha rule: a recorded commit is a full object name, 40 hex digits (SHA-1) or 64 (SHA-256), in any
case; it is stored lower-case. Abbreviated shas are refs to fetch, never recorded commits.
"""

from __future__ import annotations

import re

from codetracker.errors import InvalidInput

MAX_REF_NAME_BYTES = 255
SHOWN_CHARACTERS = 60

_FORBIDDEN_REF_CHARACTERS = frozenset(" ~^:?*[\\")
_FULL_SHA = re.compile(r"[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Characters that change how a terminal shows the text around them: bidirectional overrides and
# isolates ("Trojan source"), line and paragraph separators, BOM/zero-width no-break space.
_INVISIBLE_FORMATTING = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029\ufeff"
)


def _escape(ch: str) -> str:
    code = ord(ch)
    if ch in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[ch]
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    if 0xD800 <= code <= 0xDFFF or ch in _INVISIBLE_FORMATTING:
        return f"\\u{code:04x}"
    return ch


def printable(text: str, limit: int | None = SHOWN_CHARACTERS) -> str:
    """`text` made safe for a terminal: C0 and C1 control characters, DEL (and so every ANSI escape
    sequence, which starts with ESC or CSI), bidirectional overrides and lone surrogates become visible
    backslash escapes (`\\x1b`, `\\n`, `\\u202e`). With `limit`, at most that many characters are shown
    (escapes never cut in half), followed by `…` when something was left out."""
    out: list[str] = []
    used = 0
    for ch in text:
        piece = _escape(ch)
        if limit is not None and used + len(piece) > limit:
            out.append("…")
            break
        out.append(piece)
        used += len(piece)
    return "".join(out)


def _ref_name_problem(name: str) -> str | None:
    if not name:
        return "it is empty"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "it is not valid Unicode text"
    if size > MAX_REF_NAME_BYTES:
        return f"it is longer than {MAX_REF_NAME_BYTES} bytes ({size})"
    for ch in name:
        if ord(ch) < 0x20 or ord(ch) == 0x7F:
            return f"it contains the control character {_escape(ch)}"
        if ch in _FORBIDDEN_REF_CHARACTERS:
            return "it contains a space" if ch == " " else f"it contains {ch!r}"
    if name == "@":
        return "'@' alone is not a ref name"
    if name.startswith("-"):
        return "it starts with '-'"
    if ".." in name:
        return "it contains '..'"
    if "@{" in name:
        return "it contains '@{'"
    if name.startswith("/") or name.endswith("/"):
        return "it starts or ends with '/'"
    if "//" in name:
        return "it contains '//'"
    for component in name.split("/"):
        if component.startswith("."):
            return "a component starts with '.'"
        if component.endswith(".lock"):
            return "a component ends with '.lock'"
    if name.endswith("."):
        return "it ends with '.'"
    return None


def is_valid_ref_name(name: str) -> bool:
    return _ref_name_problem(name) is None


def check_ref_name(name: str, *, what: str = "branch") -> str:
    """`name` when git accepts it as a branch or tag name (see the module docstring); else InvalidInput
    with field `what` and a message naming the problem and showing the value safely."""
    if not isinstance(name, str):
        raise InvalidInput(f"{what} name must be text, not {type(name).__name__}", field=what)
    problem = _ref_name_problem(name)
    if problem is not None:
        raise InvalidInput(f"invalid {what} name '{printable(name)}': {problem}", field=what)
    return name


def normalize_commit_sha(value: str) -> str:
    """A full commit sha (40 or 64 hex digits, any case), lower-cased; else InvalidInput(field="commit")."""
    if not isinstance(value, str) or _FULL_SHA.fullmatch(value) is None:
        shown = printable(value) if isinstance(value, str) else type(value).__name__
        raise InvalidInput(
            f"invalid commit '{shown}': a recorded commit must be a full sha, 40 hex digits (or 64 for a "
            "SHA-256 repository); abbreviated shas can only be fetched as a ref",
            field="commit",
        )
    return value.lower()
