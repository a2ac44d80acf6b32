"""git's `wildmatch` (the glob of `.gitignore` lines), compiled to byte regular expressions.

Written from git's documented behaviour (gitignore(5), glob(7)) and checked against git itself by a
differential test (`tests/unit/domain/test_ignore_differential.py`). Matching is on bytes, as in git: a path
is its UTF-8 bytes, so `?` matches one byte, not one character.

- `?` matches one byte other than `/`; `*` any run of bytes without `/`.
- `**` is special only when it is a whole segment: after the start of the (sub)pattern or a `/`, and before
  its end, a `/` or `\\/`. `**/` matches zero or more directories, a trailing `**` everything. Anywhere
  else `**` is `*`.
- `[...]`: a set of bytes; `!` or `^` first negates it; a `]` right after `[` (or after the negation) is a
  member; `a-z` ranges (a reversed range is empty); `\\x` escapes; `[:alpha:]` etc. are the ASCII classes.
  A set never matches `/`. An unclosed set, an unknown `[:name:]` or a `\\` at the very end make the pattern
  match nothing (git's wildmatch aborts on them).
- `\\x` matches `x` literally.

`compile_pattern` returns tokens (or why the pattern never matches); `compile_matcher` turns tokens into a
matcher whose work is bounded by (tokens + 1) x (text + 1), whatever the pattern: git's own wildmatch, and a
backtracking regex, are exponential on `*a*a*a…b` (issue 17: 18 stars took 17.6 s a path). A pattern with at
most one `*`/`**` is a plain regex (one variable-width part backtracks at most once per text position); with
more, `GlobMatcher` computes, piece by piece, the set of text positions each piece can end at (the memo of
a (pattern index, text index) table, one row at a time), never trying a position twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_STAR, _QUESTION, _LBRACKET, _RBRACKET, _BACKSLASH = ord("*"), ord("?"), ord("["), ord("]"), ord("\\")
_SLASH, _DASH, _COLON, _BANG, _CARET = ord("/"), ord("-"), ord(":"), ord("!"), ord("^")
GLOB_SPECIAL = frozenset(b"*?[\\")
_SPECIAL = re.compile(rb"[*?\[\\]")


def _bytes(*ranges: tuple[int, int]) -> frozenset[int]:
    return frozenset(b for low, high in ranges for b in range(low, high + 1))


# git's own ctype table (ASCII only: no byte >= 0x80 is in any class). `space` is tab, LF, CR and space.
CHARACTER_CLASSES: dict[bytes, frozenset[int]] = {
    b"alnum": _bytes((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    b"alpha": _bytes((0x41, 0x5A), (0x61, 0x7A)),
    b"blank": frozenset(b" \t"),
    b"cntrl": _bytes((0x00, 0x1F), (0x7F, 0x7F)),
    b"digit": _bytes((0x30, 0x39)),
    b"graph": _bytes((0x21, 0x7E)),
    b"lower": _bytes((0x61, 0x7A)),
    b"print": _bytes((0x20, 0x7E)),
    b"punct": frozenset(b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    b"space": frozenset(b"\t\n\r "),
    b"upper": _bytes((0x41, 0x5A)),
    b"xdigit": _bytes((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
}

# Token kinds.
LITERAL = "lit"  # value: a run of literal bytes
ANY = "any"  # `?`
STAR = "star"  # `*` (and `**` that is not a whole segment)
GLOBSTAR = "globstar"  # `**` as a whole segment, not followed by `/`: anything, slashes included
GLOBSTAR_SLASH = "globstar/"  # `**/`: zero or more whole directories
CLASS = "class"  # value: frozenset of bytes it matches (already without `/` in path mode)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: bytes | frozenset[int] | None = None


_ANY, _STAR_TOKEN, _GLOBSTAR, _GLOBSTAR_SLASH = Token(ANY), Token(STAR), Token(GLOBSTAR), Token(GLOBSTAR_SLASH)
_ALL_BYTES = frozenset(range(256))


@dataclass(frozen=True, slots=True)
class CompiledPattern:
    tokens: tuple[Token, ...] | None  # None: the pattern can never match
    never_reason: str | None = None  # why it can never match
    warnings: tuple[str, ...] = ()  # legal but probably not meant (an empty range)


class _Abort(Exception):
    """git's WM_ABORT_ALL for a malformed pattern: nothing can match."""


def simple_length(pattern: bytes) -> int:
    """Length of the leading part without any glob special byte (git's `simple_length`)."""
    special = _SPECIAL.search(pattern)
    return len(pattern) if special is None else special.start()


def compile_pattern(pattern: bytes, *, pathname: bool) -> CompiledPattern:
    """Tokens of one glob. `pathname`: git's WM_PATHNAME (`*`, `?` and sets do not match `/`)."""
    warnings: list[str] = []
    try:
        tokens = _tokenize(pattern, pathname, warnings)
    except _Abort as abort:
        return CompiledPattern(None, str(abort), tuple(warnings))
    return CompiledPattern(tuple(tokens), None, tuple(warnings))


def compile_path_pattern(pattern: bytes) -> CompiledPattern:
    """A pattern matched against a whole path, as git's match_pathname does it: the leading part without
    glob characters is compared literally and only the rest goes through wildmatch, so the rest starts a
    new (sub)pattern: in `ab**/c`, `**` is a whole segment and `ab**/c` matches `abx/y/c`."""
    prefix = simple_length(pattern)
    compiled = compile_pattern(pattern[prefix:], pathname=True)
    if compiled.tokens is None:
        return compiled
    if not prefix:
        return compiled
    tokens = compiled.tokens
    if tokens and tokens[0].kind == LITERAL:
        tokens = (Token(LITERAL, pattern[:prefix] + tokens[0].value),) + tokens[1:]  # type: ignore[operator]
    else:
        tokens = (Token(LITERAL, pattern[:prefix]),) + tokens
    return CompiledPattern(tokens, None, compiled.warnings)


def _tokenize(p: bytes, pathname: bool, warnings: list[str]) -> list[Token]:
    tokens: list[Token] = []
    literal = bytearray()
    n = len(p)
    i = 0
    while i < n:
        c = p[i]
        if c not in GLOB_SPECIAL:
            special = _SPECIAL.search(p, i)
            end = n if special is None else special.start()
            literal += p[i:end]
            i = end
            continue
        if literal:
            tokens.append(Token(LITERAL, bytes(literal)))
            literal.clear()
        if c == _BACKSLASH:
            if i + 1 >= n:
                raise _Abort("it ends with a lone '\\'")
            literal.append(p[i + 1])
            i += 2
        elif c == _QUESTION:
            tokens.append(_ANY)
            i += 1
        elif c == _STAR:
            run_start = i
            while i < n and p[i] == _STAR:
                i += 1
            if i - run_start == 1 or not pathname:
                tokens.append(_STAR_TOKEN)
                continue
            after_segment_start = run_start == 0 or p[run_start - 1] == _SLASH
            before_segment_end = i == n or p[i] == _SLASH or (p[i] == _BACKSLASH and i + 1 < n and p[i + 1] == _SLASH)
            if after_segment_start and before_segment_end:
                if i < n and p[i] == _SLASH:
                    tokens.append(_GLOBSTAR_SLASH)
                    i += 1  # `**/` consumes its slash: it stands for "" or "anything/"
                else:
                    tokens.append(_GLOBSTAR)
            else:
                tokens.append(_STAR_TOKEN)
        elif c == _LBRACKET:
            members, i = _parse_class(p, i, warnings)
            if pathname:
                members = members - {_SLASH}
            tokens.append(Token(CLASS, members))
    if literal:
        tokens.append(Token(LITERAL, bytes(literal)))
    return tokens


def _parse_class(p: bytes, i: int, warnings: list[str]) -> tuple[frozenset[int], int]:
    """`p[i]` is `[`. Returns the bytes the set matches and the index after its `]`."""
    n = len(p)
    i += 1
    negated = i < n and p[i] in (_BANG, _CARET)
    if negated:
        i += 1
    members: set[int] = set()
    previous = 0  # the byte before a `-`; 0 after a range or a [:class:], so `a-c-e` has a literal `-`
    while True:
        if i >= n:
            raise _Abort("'[' is never closed")
        c = p[i]
        if c == _BACKSLASH:
            c, i = _class_byte(p, i)
            members.add(c)
        elif c == _DASH and previous and i + 1 < n and p[i + 1] != _RBRACKET:
            c, i = _class_byte(p, i + 1)
            if previous <= c:
                members.update(range(previous, c + 1))
            else:
                warnings.append(f"the range {chr(previous)}-{chr(c)} is reversed and matches nothing")
            c = 0
        elif c == _LBRACKET and i + 1 < n and p[i + 1] == _COLON:
            name_start = i + 2
            end = p.find(b"]", name_start)
            if end < 0:
                raise _Abort("'[' is never closed")
            if end - name_start - 1 < 0 or p[end - 1] != _COLON:
                members.add(_LBRACKET)  # not a [:class:]: the `[` is a member, scanning goes on after it
                c = _LBRACKET
            else:
                name = p[name_start : end - 1]
                found = CHARACTER_CLASSES.get(name)
                if found is None:
                    shown = name.decode("utf-8", "backslashreplace")
                    raise _Abort(f"'[:{shown}:]' is not a character class")
                members |= found
                i = end
                c = 0
        else:
            members.add(c)
        previous = c
        i += 1
        if i < n and p[i] == _RBRACKET:
            break
    if negated:
        return _ALL_BYTES - members, i + 1
    return frozenset(members), i + 1


def _class_byte(p: bytes, i: int) -> tuple[int, int]:
    """The byte a bracket expression names at `p[i]` (the one after it when `p[i]` is a backslash), and its
    index."""
    if p[i] == _BACKSLASH:
        i += 1
        if i >= len(p):
            raise _Abort("'[' is never closed")
    return p[i], i


def _class_regex(members: frozenset[int]) -> bytes:
    if not members:
        return rb"(?!)"
    parts: list[bytes] = []
    ordered = sorted(members)
    run_start = previous = ordered[0]
    for byte in ordered[1:] + [-1]:
        if byte == previous + 1:
            previous = byte
            continue
        parts.append(b"\\x%02x" % run_start if run_start == previous else b"\\x%02x-\\x%02x" % (run_start, previous))
        run_start = previous = byte
    return b"[" + b"".join(parts) + b"]"


def to_regex(tokens: tuple[Token, ...], *, pathname: bool) -> bytes:
    """A regex (bytes, for re.DOTALL and fullmatch) that matches exactly what the tokens match."""
    out: list[bytes] = []
    for token in tokens:
        kind = token.kind
        if kind == LITERAL:
            assert isinstance(token.value, bytes)
            out.append(re.escape(token.value))
        elif kind == ANY:
            out.append(rb"[^/]" if pathname else rb".")
        elif kind == STAR:
            out.append(rb"[^/]*" if pathname else rb".*")
        elif kind == GLOBSTAR:
            out.append(rb".*")
        elif kind == GLOBSTAR_SLASH:
            out.append(rb"(?:.*/)?")
        else:
            out.append(_class_regex(token.value))  # type: ignore[arg-type]
    return b"".join(out)


def literal_runs(tokens: tuple[Token, ...]) -> list[bytes]:
    """Runs of literal bytes: every text the tokens match contains each of them."""
    return [t.value for t in tokens if t.kind == LITERAL]  # type: ignore[misc]


def has_empty_segment(tokens: tuple[Token, ...]) -> bool:
    """True when every text the (path-mode) tokens match has an empty segment: it starts or ends with `/`
    or holds `//`. No path does, so such a pattern never matches."""
    at_segment_start = True
    for token in tokens:
        if token.kind == LITERAL:
            for byte in token.value:  # type: ignore[union-attr]
                if byte == _SLASH:
                    if at_segment_start:
                        return True
                    at_segment_start = True
                else:
                    at_segment_start = False
        elif token.kind != GLOBSTAR_SLASH:  # `**/` keeps the text at the start of a segment
            at_segment_start = False
    return at_segment_start


VARIABLE = frozenset({STAR, GLOBSTAR, GLOBSTAR_SLASH})  # the tokens that match a run of any length


def variable_parts(tokens: tuple[Token, ...]) -> int:
    """How many `*`/`**` the tokens hold: above one, a backtracking regex can take exponential time."""
    return sum(1 for token in tokens if token.kind in VARIABLE)


class RegexMatcher:
    """Tokens with at most one `*`/`**`: a regex, whose one variable-width part backtracks at most once per
    text position (O(text x pattern)), matched in C."""

    __slots__ = ("source", "_fullmatch")

    def __init__(self, tokens: tuple[Token, ...], *, pathname: bool) -> None:
        self.source = to_regex(tokens, pathname=pathname)
        self._fullmatch = re.compile(self.source, re.DOTALL).fullmatch

    def match(self, text: bytes) -> bool:
        return self._fullmatch(text) is not None


Spans = list[tuple[int, int]]  # sorted, disjoint, inclusive ranges of text positions


class _Step:
    """A `*`/`**` and the fixed-width piece after it (literals, `?`, sets; possibly empty). The piece's regex
    is a lookahead, so that one scan finds every position it starts at; compiled when first reached."""

    __slots__ = ("kind", "width", "source", "_starts")

    def __init__(self, kind: str, piece: tuple[Token, ...], pathname: bool) -> None:
        self.kind = kind
        self.width = _width(piece)
        self.source = to_regex(piece, pathname=pathname) if piece else None
        self._starts: re.Pattern[bytes] | None = None

    @property
    def starts(self) -> re.Pattern[bytes]:
        """Width 1: runs of bytes the piece matches (each run is a range of ends, one hit, not one per
        byte: `*?*?…` over a long text); wider: a lookahead, one hit per start."""
        if self._starts is None:
            source = b"(?:" + self.source + b")+" if self.width == 1 else b"(?=" + self.source + b")"  # type: ignore[operator]
            self._starts = re.compile(source, re.DOTALL)
        return self._starts

    def ends(self, text: bytes, low: int, high: int, reach: Spans) -> None:
        """Add to `reach` the end of every match of the piece starting in [low, high]."""
        width = self.width
        for hit in self.starts.finditer(text, low, min(len(text), high + width)):
            if width == 1:
                _add(reach, hit.start() + 1, hit.end())
            else:
                _add(reach, hit.start() + width, hit.start() + width)


def _width(piece: tuple[Token, ...]) -> int:
    return sum(len(t.value) if t.kind == LITERAL and isinstance(t.value, bytes) else 1 for t in piece)


def _split(tokens: tuple[Token, ...]) -> tuple[tuple[Token, ...], list[tuple[str, tuple[Token, ...]]]]:
    """The leading fixed piece, then each variable token with the fixed piece after it."""
    head: list[Token] = []
    steps: list[tuple[str, list[Token]]] = []
    for token in tokens:
        if token.kind in VARIABLE:
            steps.append((token.kind, []))
        elif steps:
            steps[-1][1].append(token)
        else:
            head.append(token)
    return tuple(head), [(kind, tuple(piece)) for kind, piece in steps]


class GlobMatcher:
    """Exact matching of any tokens in O(tokens x text) steps, without recursion.

    `reach` is the set of text positions the pattern so far can end at (as ranges): a `*`/`**` spreads it
    (`*` up to the next `/` in path mode, `**` to the end, `**/` to the start of every later segment),
    then the fixed piece after it keeps the positions where it matches (found by one regex scan per range,
    in C) and moves them past it. Each (step, position) pair is considered once: `run` counts them, so a
    test can bound the work without a clock."""

    __slots__ = ("pathname", "source", "_head_width", "_head", "_steps")

    def __init__(self, tokens: tuple[Token, ...], *, pathname: bool) -> None:
        self.pathname = pathname
        head, steps = _split(tokens)
        self._head_width = _width(head)
        self._head = re.compile(to_regex(head, pathname=pathname), re.DOTALL).match if head else None
        self._steps = [_Step(kind, piece, pathname) for kind, piece in steps]
        self.source = screen_regex(tokens, pathname=pathname)

    def match(self, text: bytes) -> bool:
        return self.run(text)[0]

    def run(self, text: bytes) -> tuple[bool, int]:
        """(whether the whole text matches, the (step, position) pairs considered)."""
        size = len(text)
        if self._head_width > size or (self._head is not None and self._head(text) is None):
            return False, 1
        reach: Spans = [(self._head_width, self._head_width)]
        work = 1
        last = len(self._steps) - 1
        for number, step in enumerate(self._steps):
            starts = self._spread(step.kind, reach, text)
            work += sum(high - low + 1 for low, high in starts)
            if step.source is None:  # `**/*`, `*/**`…: nothing fixed in between
                reach = starts
                continue
            if number == last:  # the piece must end the text
                at = size - step.width
                found = at >= 0 and _within(starts, at) and step.starts.match(text, at) is not None
                return found, work
            reach = []
            for low, high in starts:
                step.ends(text, low, high, reach)
            if not reach:
                return False, work
        return _within(reach, size), work

    def _spread(self, kind: str, reach: Spans, text: bytes) -> Spans:
        size = len(text)
        if kind == GLOBSTAR or (kind == STAR and not self.pathname):
            return [(reach[0][0], size)]
        if kind == STAR:  # up to the next `/` (excluded) from the last position of each range
            spread: Spans = []
            for low, high in reach:
                stop = text.find(b"/", high)
                _add(spread, low, size if stop < 0 else stop)
            return spread
        # `**/`: where it starts, or right after any later `/`
        after_slashes: Spans = []
        slash = text.find(b"/", reach[0][0])
        while slash >= 0:
            after_slashes.append((slash + 1, slash + 1))
            slash = text.find(b"/", slash + 1)
        spread = []
        for low, high in sorted(reach + after_slashes):
            _add(spread, low, high)
        return spread


def _add(spans: Spans, low: int, high: int) -> None:
    """Append a range to sorted ranges, merging it with the last one when they touch."""
    if spans and spans[-1][1] + 1 >= low:
        if high > spans[-1][1]:
            spans[-1] = (spans[-1][0], high)
    else:
        spans.append((low, high))


def _within(spans: Spans, position: int) -> bool:
    return any(low <= position <= high for low, high in spans)


def screen_regex(tokens: tuple[Token, ...], *, pathname: bool) -> bytes:
    """A regex matching every text the tokens match (and maybe more), in linear time: every `*`/`**`
    becomes "anything", where taking the earliest match of each fixed piece is exact, so each one is
    atomic and never backtracked into. For a pre-screen of many patterns at once."""
    head, steps = _split(tokens)
    out = [to_regex(head, pathname=pathname)]
    for number, (_, piece) in enumerate(steps):
        source = to_regex(piece, pathname=pathname)
        out.append(b".*" + source if number == len(steps) - 1 else b"(?>.*?" + source + b")")
    return b"".join(out)


def compile_matcher(tokens: tuple[Token, ...], *, pathname: bool) -> RegexMatcher | GlobMatcher:
    """The matcher for tokens: a plain regex when it cannot backtrack badly, else a GlobMatcher."""
    if variable_parts(tokens) <= 1:
        return RegexMatcher(tokens, pathname=pathname)
    return GlobMatcher(tokens, pathname=pathname)


def wildmatch(pattern: bytes, text: bytes, *, pathname: bool) -> bool:
    """One-off match of a whole glob against a whole text (for tests and tools; rules precompile)."""
    compiled = compile_pattern(pattern, pathname=pathname)
    if compiled.tokens is None:
        return False
    return compile_matcher(compiled.tokens, pathname=pathname).match(text)
