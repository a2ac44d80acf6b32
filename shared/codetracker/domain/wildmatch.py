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

`compile_pattern` returns tokens (or why the pattern never matches); `to_regex` turns tokens into a regex.
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
            i += 1
            if i >= n:
                raise _Abort("'[' is never closed")
            c = p[i]
            members.add(c)
        elif c == _DASH and previous and i + 1 < n and p[i + 1] != _RBRACKET:
            i += 1
            c = p[i]
            if c == _BACKSLASH:
                i += 1
                if i >= n:
                    raise _Abort("'[' is never closed")
                c = p[i]
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
            out.append(re.escape(token.value))  # type: ignore[arg-type]
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


def wildmatch(pattern: bytes, text: bytes, *, pathname: bool) -> bool:
    """One-off match of a whole glob against a whole text (for tests and tools; rules precompile)."""
    compiled = compile_pattern(pattern, pathname=pathname)
    if compiled.tokens is None:
        return False
    return re.fullmatch(to_regex(compiled.tokens, pathname=pathname), text, re.DOTALL) is not None
