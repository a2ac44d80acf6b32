"""Source text of parameters and types, normalised: one line, comments dropped, the same spacing whatever
the author wrote. Text only (no parser), so every backend gives the same result for the same source."""

from __future__ import annotations

import re

__all__ = ["destructured_keys", "normalize_pattern", "normalize_type"]

_SPACES = re.compile(r"\s+")
_QUOTES = "'\"`"
_OPENERS = {"{": "}", "[": "]", "(": ")", "<": ">"}
_PATTERN_RULES = (
    (re.compile(r"\s*,\s*"), ", "),
    (re.compile(r"\{\s*"), "{ "),
    (re.compile(r"\s*\}"), " }"),
    (re.compile(r"\{ \}"), "{}"),
    (re.compile(r"\[\s*"), "["),
    (re.compile(r"\s*\]"), "]"),
    (re.compile(r"\(\s*"), "("),
    (re.compile(r"\s*\)"), ")"),
    (re.compile(r"\s*:\s*"), ": "),
    (re.compile(r"(?<![=!<>+\-*/%&|^?])\s*=(?![=>])\s*"), " = "),
    (re.compile(r"\.\.\.\s*"), "..."),
)
_LEADING_OPERATOR = re.compile(r"^[|&] ")
_SIMPLE_TYPE = re.compile(r"[\w$.]+(?:\[\])*")
_TRAILING_COMMA = re.compile(r", ([}\])])")
# Whitespace only: none just inside <>, () and [], one space after a comma and around | & =>.
_TYPE_RULES = (
    (re.compile(r"\s*,\s*"), ", "),
    (re.compile(r"([<(\[])\s+"), r"\1"),
    (re.compile(r"\s+([>)\]])"), r"\1"),
    (re.compile(r"\s*([|&])\s*"), r" \1 "),
    (re.compile(r"\s*=>\s*"), " => "),
)


def _string_end(text: str, start: int) -> int:
    """Where the string literal opening at `start` closes (its closing quote; past the end when unclosed)."""
    quote, end = text[start], start + 1
    while end < len(text) and text[end] != quote:
        end += 2 if text[end] == "\\" else 1
    return end


def _rewrite_code(text: str, rules: tuple[tuple[re.Pattern[str], str], ...]) -> str:
    """`text` with the rules applied to its code, its string literals as written and its comments dropped."""
    out: list[str] = []
    for is_code, piece in _segments(text):
        if is_code:
            for rule, replacement in rules:
                piece = rule.sub(replacement, piece)
        out.append(piece)
    return "".join(out)


def _segments(text: str, *, collapse: bool = True) -> list[tuple[bool, str]]:
    """(is_code, text) pieces: string literals kept as written, comments dropped, code whitespace
    collapsed to one space (unless not `collapse`). Template literals are kept whole (`${}` included)."""
    pieces: list[tuple[bool, str]] = []
    code: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char in _QUOTES:
            end = _string_end(text, i)
            if code:
                pieces.append((True, "".join(code)))
                code = []
            pieces.append((False, text[i : end + 1]))
            i = end + 1
        elif text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
            code.append(" " if collapse else "")
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            i = n if end == -1 else end + 2
            code.append(" ")
        else:
            code.append(char)
            i += 1
    if code:
        pieces.append((True, "".join(code)))
    if not collapse:
        return pieces
    return [(is_code, _SPACES.sub(" ", piece) if is_code else piece) for is_code, piece in pieces]


def normalize_type(text: str) -> str:
    """A type annotation on one line: comments dropped, whitespace runs one space, no space just inside
    brackets and parentheses (`Array< T >` → `Array<T>`, `{\\n a: string;\\n}` → `{ a: string; }`)."""
    if _SIMPLE_TYPE.fullmatch(text):
        return text
    if "\n" in text:
        text = _separate_members(text)
    # A leading `|` or `&` (a union written one member a line) is layout, as tsc prints it: dropped.
    return _LEADING_OPERATOR.sub("", _rewrite_code(text, _TYPE_RULES).strip())


# A line break ending an object type's member with no `;` or `,`: it separates members; on one line it
# is written `;` (as tsc prints it).
_MEMBER_END = re.compile(r"[\w$)\]>'\"`?]")
_MEMBER_START = re.compile(r"[\w$'\"\[(<]|readonly\b|\.\.\.")


def _separate_members(text: str) -> str:
    pieces = _segments(text, collapse=False)
    code = "".join(piece if is_code else "\0" * len(piece) for is_code, piece in pieces)
    written = "".join(piece for _, piece in pieces)
    out: list[str] = []
    stack: list[str] = []
    last = ""  # the last character written that is not whitespace (a `;` put in included)
    for i, char in enumerate(code):
        if char in "{[(<":
            stack.append(char)
        elif char in "}])>" and stack and not (char == ">" and i and code[i - 1] == "="):
            stack.pop()
        elif char == "\n" and stack and stack[-1] == "{":
            before = written[:i].rstrip()
            after = written[i:].lstrip()
            if (
                last
                and after
                and _MEMBER_END.match(last)
                and _MEMBER_START.match(after)
                and not (before.endswith(("extends", "keyof", "typeof", "infer", "is", "as", "new", "readonly")))
            ):
                out.append(";")
                last = ";"
        out.append(written[i])
        if not written[i].isspace():
            last = written[i]
    return "".join(out)


def normalize_pattern(source: str) -> str:
    """A destructuring pattern on one line: `{\\n  a, // x\\n  b = 1,\\n}` → `{ a, b = 1 }`."""
    text = _rewrite_code(source, _PATTERN_RULES).strip()
    return _TRAILING_COMMA.sub(r" \1", text).replace(" ]", "]").replace(" )", ")")


def destructured_keys(pattern: str) -> tuple[str, ...]:
    """The property keys an object pattern (normalised) takes, in order: `{ a, b: c, [k]: d, ...r }` →
    ("a", "b", "[k]"). Rest elements have no key; an array pattern has none."""
    if not pattern.startswith("{"):
        return ()
    keys: list[str] = []
    for part in _top_level_parts(pattern[1:-1]):
        part = part.strip()
        if not part or part.startswith("..."):
            continue
        keys.append(_key_of(part))
    return tuple(keys)


def _top_level_parts(body: str) -> list[str]:
    parts: list[str] = []
    depth, start, i, n = 0, 0, 0, len(body)
    closers = set(_OPENERS.values()) - {">"}
    while i < n:
        char = body[i]
        if char in _QUOTES:
            i = _string_end(body, i) + 1
            continue
        if char in "{[(":
            depth += 1
        elif char in closers:
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts


def _key_of(part: str) -> str:
    """The key of one property of an object pattern: before its top-level `:` or ` = `."""
    if part.startswith("["):
        depth = 0
        for i, char in enumerate(part):
            depth += char == "["
            depth -= char == "]"
            if depth == 0:
                return part[: i + 1]
    for stop in (":", " = "):
        at = part.find(stop)
        if at != -1:
            part = part[:at]
    return part.strip()
