"""Pure helpers over JavaScript source text, shared by both parser backends.

Everything here works on Python str indices (code points), so the backends agree on offsets, comment
attachment, positions and names whatever parser produced the tree.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

# ECMAScript line terminators; "\r\n" counts as one.
_LINE_TERMINATOR = re.compile(r"\r\n|[\n\r\u2028\u2029]")
# Whitespace between tokens (ECMAScript WhiteSpace + LineTerminator; Python's \s lacks U+FEFF).
_TRIVIA_SPACE = re.compile(r"[\s\ufeff]+")
_LINE_COMMENT_END = re.compile(r"[\n\r\u2028\u2029]")


def line_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column (in code points) of a character offset."""
    offset = max(0, min(offset, len(source)))
    line = 1
    line_start = 0
    for match in _LINE_TERMINATOR.finditer(source, 0, offset):
        line += 1
        line_start = match.end()
    return line, offset - line_start


# A cheap textual gate; the backends confirm on their trees. No leading \b: it defeats re's literal
# prefix search and makes this 20x slower on large files.
_IMPORT_META = re.compile(r"import\s*\.\s*meta\b")


def mentions_import_meta(source: str) -> bool:
    """Whether `import.meta` may occur in the text (a string or comment can also match)."""
    return _IMPORT_META.search(source) is not None


# `import x from './x.json' assert { type: 'json' }`: the withdrawn predecessor of `with`, still found in
# published packages, and known to neither parser.
_IMPORT_ASSERTION = re.compile(
    r"""(\b(?:from|import)\s*(?:"[^"\n]*"|'[^'\n]*'))"""  # the module specifier
    r"""([ \t]*)assert(\s*\{)"""  # no line break before `assert`
)


def with_import_attributes(source: str) -> str | None:
    """The source with `assert {` import assertions spelled `with   {` (same length, same offsets);
    None when there is none. Only tried after a parse failure, so a false match costs nothing."""
    rewritten, count = _IMPORT_ASSERTION.subn(r"\1\2with  \3", source)
    return rewritten if count else None


# --- comments and JSDoc attachment --------------------------------------------------------------------


def gap_comments(source: str, start: int, end: int) -> list[tuple[int, int]]:
    """Comments in source[start:end], a stretch between two top-level statements (or between two
    declarators of one `const`/`let`/`var` list, where the comma is the only code).

    The stretch holds only whitespace and comments (plus a hashbang line at offset 0), so a plain scan is
    exact here. Should anything else turn up, it counts as code: the comments before it are dropped,
    since comments separated from the anchor by code never attach.
    """
    comments: list[tuple[int, int]] = []
    pos = start
    if pos == 0 and source.startswith("#!"):
        match = _LINE_COMMENT_END.search(source, 0, end)
        pos = match.start() if match else end
    while pos < end:
        space = _TRIVIA_SPACE.match(source, pos, end)
        if space:
            pos = space.end()
            continue
        if source.startswith("/*", pos):
            close = source.find("*/", pos + 2, end)
            if close < 0:  # cannot happen between statements; treat the rest as code
                return []
            comments.append((pos, close + 2))
            pos = close + 2
        elif source.startswith("//", pos):
            match = _LINE_COMMENT_END.search(source, pos, end)
            stop = match.start() if match else end
            comments.append((pos, stop))
            pos = stop
        else:
            comments.clear()
            pos += 1
    return comments


def is_jsdoc(text: str) -> bool:
    """A /** ... */ block; /*** banners and the empty /**/ are not JSDoc."""
    return text.startswith("/**") and not text.startswith("/***") and text != "/**/"


def attached_jsdoc(source: str, comments: Sequence[tuple[int, int]], anchor: int) -> str | None:
    """The JSDoc block attached to the statement starting at `anchor`.

    `comments` are (start, end) character ranges in source order. The candidates are the run of
    comments right before the anchor with nothing but whitespace and other comments in between; the
    last JSDoc-shaped one of that run wins (a line comment or plain block between it and the code is
    fine, code is not).
    """
    index = bisect_right(comments, (anchor, anchor)) - 1
    while index >= 0 and comments[index][1] > anchor:
        index -= 1
    pos = anchor
    while index >= 0:
        start, end = comments[index]
        if end != pos and _TRIVIA_SPACE.fullmatch(source, end, pos) is None:
            break
        text = source[start:end]
        if is_jsdoc(text):
            return text
        pos = start
        index -= 1
    return None


def skip_trivia(source: str, pos: int, end: int | None = None) -> int:
    """The offset of the first character at or after pos that is not whitespace or a comment."""
    end = len(source) if end is None else end
    while pos < end:
        space = _TRIVIA_SPACE.match(source, pos, end)
        if space:
            pos = space.end()
        elif source.startswith("/*", pos):
            close = source.find("*/", pos + 2, end)
            if close < 0:
                return end
            pos = close + 2
        elif source.startswith("//", pos):
            match = _LINE_COMMENT_END.search(source, pos, end)
            pos = match.start() if match else end
        else:
            break
    return pos


# --- byte offsets (tree-sitter works on UTF-8) -----------------------------------------------------------


class Utf8Offsets:
    """Converts UTF-8 byte offsets of `data` to character offsets.

    Offsets arrive mostly in increasing order, so each conversion decodes only the bytes since the
    nearest earlier offset already converted.
    """

    __slots__ = ("_data", "_bytes", "_chars")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._bytes = [0]
        self._chars = [0]

    def __call__(self, byte_offset: int) -> int:
        at = bisect_right(self._bytes, byte_offset) - 1
        known_byte = self._bytes[at]
        if known_byte == byte_offset:
            return self._chars[at]
        chars = self._chars[at] + len(self._data[known_byte:byte_offset].decode("utf-8", "surrogatepass"))
        self._bytes.insert(at + 1, byte_offset)
        self._chars.insert(at + 1, chars)
        return chars


# --- names in import/export clauses -----------------------------------------------------------------------

# Words that cannot name a local binding in module (strict) code.
RESERVED_WORDS = frozenset(
    """
    await break case catch class const continue debugger default delete do else enum export extends
    false finally for function if import in instanceof new null return super switch this throw true
    try typeof var void while with yield let static implements interface package private protected public
    """.split()
)

_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "0": "\0"}
_STRING_ESCAPE = re.compile(
    r"\\(?:u\{([0-9a-fA-F]+)\}|u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(\r\n|[\n\r\u2028\u2029])|(.))", re.S
)


_IDENTIFIER_ESCAPE = re.compile(r"\\u\{([0-9a-fA-F]+)\}|\\u([0-9a-fA-F]{4})")


def identifier_name(text: str) -> str:
    """The name an identifier spells: `\\u0066oo` is `foo`."""
    if "\\" not in text:
        return text
    return _IDENTIFIER_ESCAPE.sub(lambda match: chr(int(match.group(1) or match.group(2), 16)), text)


def string_literal_value(raw: str) -> str:
    """The value of a JavaScript string literal given with its quotes (module code: no octal escapes)."""

    def unescape(match: re.Match[str]) -> str:
        code_point, unit, byte, _continuation, char = match.groups()
        if code_point is not None:
            return chr(int(code_point, 16))
        if unit is not None:
            return chr(int(unit, 16))
        if byte is not None:
            return chr(int(byte, 16))
        if char is not None:
            return _SIMPLE_ESCAPES.get(char, char)
        return ""  # line continuation

    body = raw[1:-1]
    if "\\" not in body:
        return body
    value = _STRING_ESCAPE.sub(unescape, body)
    # \uD83D\uDE00 written as two escapes is one character.
    return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclass(frozen=True, slots=True)
class ClauseSpecifier:
    """One `name` or `name as alias` entry of an export clause, read from source text."""

    local: str  # identifier text, or the value of a string name
    local_is_string: bool
    exported: str
    offset: int  # character offset of the specifier in the source


class ClauseSyntaxError(ValueError):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


_CLAUSE_TOKEN = re.compile(
    r"""(?P<space>[\s\ufeff]+)
      | (?P<comment>/\*.*?\*/|//[^\n\r\u2028\u2029]*)
      | (?P<punct>[{},])
      | (?P<string>"(?:[^"\\\n\r]|\\(?:\r\n|.))*"|'(?:[^'\\\n\r]|\\(?:\r\n|.))*')
      | (?P<name>(?:[\w$]|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\}|[^\x00-\x7f\s\ufeff])+)
    """,
    re.X | re.S,
)


def parse_export_clause(source: str, start: int, end: int, *, has_source: bool) -> list[ClauseSpecifier]:
    """Read the `{ a, b as c, d as "e" }` clause at source[start:end].

    Used by the tree-sitter backend, whose grammar rejects reserved words after `as`
    (`export { x as default, y as if }` is valid JavaScript). Raises ClauseSyntaxError when the text is
    not a well-formed clause; without a `from` source, local names must be plain identifiers.
    """
    tokens: list[tuple[str, str, int]] = []
    pos = start
    while pos < end:
        match = _CLAUSE_TOKEN.match(source, pos, end)
        if match is None:
            raise ClauseSyntaxError("unexpected character in export clause", pos)
        kind = match.lastgroup or ""
        if kind not in ("space", "comment"):
            tokens.append((kind, match.group(), pos))
        pos = match.end()
    if len(tokens) < 2 or tokens[0][1] != "{" or tokens[-1][1] != "}":
        raise ClauseSyntaxError("export clause must be braced", start)

    def read_name(index: int) -> tuple[str, bool]:
        kind, text, offset = tokens[index]
        if kind == "string":
            return string_literal_value(text), True
        if kind == "name":
            return identifier_name(text), False
        raise ClauseSyntaxError(f"unexpected {text!r} in export clause", offset)

    specifiers: list[ClauseSpecifier] = []
    index, last = 1, len(tokens) - 1
    while index < last:
        local, local_is_string = read_name(index)
        offset = tokens[index][2]
        if not has_source and (local_is_string or local in RESERVED_WORDS):
            raise ClauseSyntaxError(f"{local!r} cannot be exported without 'from'", offset)
        index += 1
        exported = local
        if index < last and tokens[index][0] == "name" and tokens[index][1] == "as":
            exported, _ = read_name(index + 1)
            index += 2
        specifiers.append(ClauseSpecifier(local, local_is_string, exported, offset))
        if index < last:
            if tokens[index][1] != ",":
                raise ClauseSyntaxError(f"unexpected {tokens[index][1]!r} in export clause", tokens[index][2])
            index += 1
    if index != last:
        raise ClauseSyntaxError("unexpected end of export clause", tokens[last][2])
    return specifiers
