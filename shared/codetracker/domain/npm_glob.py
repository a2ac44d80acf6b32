"""npm's globs: the minimatch rules that npm-packlist (through ignore-walk) and npm's workspaces apply.

These are not git's globs (`wildmatch.py`): npm matches on text, case-insensitively in ignore files, with
brace expansion (`readme{,.*}`), and a pattern is matched segment by segment against a path split on `/`:

- `!` at the start negates (an odd number of them); `#` starts a comment (handled by the caller);
- `{a,b}` and `{1..3}` expand first (an unbalanced or comma-less brace is literal);
- `**` as a whole segment matches zero or more segments (never `.` or `..`); a trailing `**` at least
  one, unless matching partially; elsewhere `**` is `*`;
- `*` any run of characters but `/` (a segment of only `*` is never empty), `?` one, `[...]` a class
  (`!`/`^` negates, ranges, `[:alpha:]`-style classes; unclosed: a literal `[`), `\\x` a literal `x`;
- `dot=False`: a segment starting with `.` is matched only by a pattern segment starting with `.`;
- `match_base=True`: a pattern of one segment is matched against the last segment of the path;
- `partial=True` asks whether the path could be a directory above a match (a file list exhausted early
  matches), which is how a directory is kept while something below it may be included;
- a path with a trailing `/` (an empty last segment) matches a pattern that ends one segment earlier.

Extglobs (`+(a|b)`, `@(…)`) are not read specially: their characters are literal here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

GLOBSTAR = object()  # a whole `**` segment

_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "\\x21-\\x7e",
    "lower": "a-z",
    "print": "\\x20-\\x7e",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "space": " \\t\\r\\n\\v\\f",
    "upper": "A-Z",
    "word": "\\w",
    "xdigit": "A-Fa-f0-9",
}
_RANGE = re.compile(r"^(-?\d+|[^\d])\.\.(-?\d+|[^\d])$")
_MAX_EXPANSIONS = 256  # a hostile pattern cannot explode into millions of alternatives


@dataclass(frozen=True, slots=True)
class NpmGlob:
    text: str  # the pattern as written (trimmed)
    negate: bool
    alternatives: tuple[tuple[object, ...], ...]  # per brace alternative: its segments (str, Pattern or GLOBSTAR)
    match_base: bool
    dot: bool
    nocase: bool
    # One segment, or one and a trailing `/`: ignore-walk's "relative rule", also matched by base name.
    is_one_segment: bool = False
    # per alternative: (matched against the base name, the source of one regex over the whole text): the
    # fast path of a whole (not partial) match, compiled on first use; the segment walk below stays the
    # reference (tests compare both)
    whole: tuple[tuple[bool, str], ...] = ()

    def matches(self, path: str, *, partial: bool = False) -> bool:
        """Whether the pattern, negation aside, matches `path` (minimatch's `flipNegate`)."""
        if not partial and self.whole and "//" not in path:
            filename = path.rstrip("/").rpartition("/")[2]
            return any(
                _whole_regex(source, self.nocase).fullmatch(filename if by_base else path) is not None
                for by_base, source in self.whole
            )
        return self.matches_by_segments(path, partial=partial)

    def matches_by_segments(self, path: str, *, partial: bool = False) -> bool:
        parts = re.split(r"/+", path)
        filename = next((p for p in reversed(parts) if p), "")
        for segments in self.alternatives:
            file = [filename] if self.match_base and len(segments) == 1 else parts
            if _match(file, 0, segments, 0, partial, self.dot, self.nocase):
                return True
        return False


def compile_glob(text: str, *, nocase: bool, dot: bool, match_base: bool) -> NpmGlob:
    bangs = len(text) - len(text.lstrip("!"))
    body = text[bangs:]
    alternatives: list[tuple[object, ...]] = []
    for expanded in expand_braces(body):
        segments = [_compile_segment(part, nocase) for part in re.split(r"/+", expanded)]
        alternatives.append(tuple(_collapse_globstars(segments)))
    whole = tuple((match_base and len(segments) == 1, _whole_source(segments, dot)) for segments in alternatives)
    one_segment = any(len(s) <= (2 if s and s[-1] == "" else 1) for s in alternatives)
    return NpmGlob(text, bangs % 2 == 1, tuple(alternatives), match_base, dot, nocase, one_segment, whole)


@functools.lru_cache(maxsize=4096)
def _whole_regex(source: str, nocase: bool) -> re.Pattern[str]:
    return re.compile(source, re.DOTALL | (re.IGNORECASE if nocase else 0))


def _whole_source(segments: tuple[object, ...], dot: bool) -> str:
    """One regex for a whole match of `segments` against a path (see `_match`, which it mirrors)."""
    any_segment = r"(?!\.\.?(?:/|$))[^/]*" if dot else r"(?!\.)[^/]*"
    last = len(segments) - 1
    out: list[str] = []
    joined = True  # the next segment needs no `/` before it (start, or after `…/(?:x/)*`)
    for index, segment in enumerate(segments):
        if segment is GLOBSTAR:
            if index == last:
                out.append(any_segment + f"(?:/{any_segment})*" if index == 0 else f"(?:/{any_segment})+")
                return "".join(out)
            out.append(f"(?:{any_segment}/)*" if index == 0 else f"/(?:{any_segment}/)*")
            joined = True
            continue
        if not joined:
            out.append("/")
        joined = False
        if isinstance(segment, str):
            out.append(re.escape(segment))
        else:
            source = segment.pattern  # type: ignore[attr-defined]
            guard = r"(?!\.\.?(?:/|$))" if dot else ("" if source.startswith("\\.") else r"(?!\.)")
            out.append(guard + source)
    out.append("/?")  # a trailing slash on the path: one empty last segment
    return "".join(out)


def _collapse_globstars(segments: list[object]) -> list[object]:
    out: list[object] = []
    for segment in segments:
        if segment is GLOBSTAR and out and out[-1] is GLOBSTAR:
            continue
        out.append(segment)
    return out


def expand_braces(text: str) -> list[str]:
    """brace-expansion's `{a,b}` and `{1..3}` (nested, escapes respected); at most 256 results."""
    results = _expand(text)
    return results[:_MAX_EXPANSIONS]


def _expand(text: str) -> list[str]:
    start = _find_brace(text)
    if start is None:
        return [text]
    end, options = start
    open_at = end[0]
    close_at = end[1]
    prefix, suffix = text[:open_at], text[close_at + 1 :]
    out: list[str] = []
    for option in options:
        for tail in _expand(suffix):
            for head in _expand(option):
                out.append(prefix + head + tail)
                if len(out) >= _MAX_EXPANSIONS:
                    return out
    return out


def _find_brace(text: str) -> tuple[tuple[int, int], list[str]] | None:
    """The first expandable `{…}`: its (open, close) positions and its options; None when there is none."""
    for i, ch in _unescaped(text, 0):
        if ch != "{":
            continue
        depth = 0
        cuts: list[int] = []
        close: int | None = None
        for j, c in _unescaped(text, i):
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    close = j
                    break
            elif c == "," and depth == 1:
                cuts.append(j)
        if close is not None:
            if cuts:
                bounds = [i, *cuts, close]
                return (i, close), [text[a + 1 : b] for a, b in zip(bounds, bounds[1:], strict=False)]
            ranged = _range(text[i + 1 : close])
            if ranged is not None:
                return (i, close), ranged
    return None


def _unescaped(text: str, start: int) -> Iterator[tuple[int, str]]:
    """(position, character) of each character from `start` on that is no backslash escape (an escape and
    the character it escapes are passed over)."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        yield i, text[i]
        i += 1


def _range(inner: str) -> list[str] | None:
    found = _RANGE.match(inner)
    if not found:
        return None
    low, high = found.groups()
    if low.lstrip("-").isdigit() and high.lstrip("-").isdigit():
        a, b = int(low), int(high)
        step = 1 if b >= a else -1
        return [str(n) for n in range(a, b + step, step)][:_MAX_EXPANSIONS]
    if len(low) == 1 and len(high) == 1 and not low.isdigit() and not high.isdigit():
        a, b = ord(low), ord(high)
        step = 1 if b >= a else -1
        return [chr(n) for n in range(a, b + step, step)][:_MAX_EXPANSIONS]
    return None


def _compile_segment(part: str, nocase: bool) -> object:
    if part == "**":
        return GLOBSTAR
    regex: list[str] = []
    magic = False
    i = 0
    while i < len(part):
        ch = part[i]
        if ch == "\\" and i + 1 < len(part):
            regex.append(re.escape(part[i + 1]))
            i += 2
            continue
        if ch == "*":
            while i + 1 < len(part) and part[i + 1] == "*":
                i += 1
            regex.append("[^/]*")
            magic = True
        elif ch == "?":
            regex.append("[^/]")
            magic = True
        elif ch == "[":
            parsed = _class(part, i)
            if parsed is None:
                regex.append(re.escape(ch))
            else:
                source, i = parsed
                regex.append(source)
                magic = True
                continue
        else:
            regex.append(re.escape(ch))
        i += 1
    if not magic:
        return _unescape(part).lower() if nocase else _unescape(part)
    source = "".join(regex)
    if set(part) == {"*"}:
        source = "[^/]+"  # a segment of only stars matches something
    return re.compile(source, re.IGNORECASE | re.DOTALL if nocase else re.DOTALL)


def _unescape(part: str) -> str:
    return re.sub(r"\\(.)", r"\1", part)


def _class(part: str, at: int) -> tuple[str, int] | None:
    """`[...]` starting at `at` → (regex, index after it); None when it is not closed."""
    i = at + 1
    negate = i < len(part) and part[i] in "!^"
    if negate:
        i += 1
    members: list[str] = []
    first = True
    while i < len(part):
        ch = part[i]
        if ch == "]" and not first:
            body = "".join(members)
            if not body:
                return None
            return ("[^" + body + "/]" if negate else "[" + body + "]"), i + 1
        first = False
        if ch == "[" and part.startswith("[:", i):
            close = part.find(":]", i + 2)
            name = part[i + 2 : close] if close > 0 else ""
            if name in _CLASSES:
                members.append(_CLASSES[name])
                i = close + 2
                continue
        if ch == "\\" and i + 1 < len(part):
            ch = part[i + 1]
            i += 1
        if i + 2 < len(part) and part[i + 1] == "-" and part[i + 2] != "]":
            high = part[i + 2]
            if high == "\\" and i + 3 < len(part):
                high = part[i + 3]
                i += 1
            if ord(high) >= ord(ch):
                members.append(re.escape(ch) + "-" + re.escape(high))
            i += 3
            continue
        members.append(re.escape(ch))
        i += 1
    return None


def _segment_matches(segment: object, name: str, dot: bool, nocase: bool) -> bool:
    if isinstance(segment, str):  # a literal, lower-cased when the glob is case-insensitive
        return segment == (name.lower() if nocase else name)
    if name in (".", ".."):
        return False
    pattern: re.Pattern[str] = segment  # type: ignore[assignment]
    if not dot and name.startswith(".") and not pattern.pattern.startswith("\\."):
        return False
    return pattern.fullmatch(name) is not None


def _match(
    file: list[str], fi: int, segments: tuple[object, ...], si: int, partial: bool, dot: bool, nocase: bool
) -> bool:
    while si < len(segments):
        segment = segments[si]
        if segment is GLOBSTAR:
            if si == len(segments) - 1:
                rest = file[fi:]
                if any(_bad_for_globstar(name, dot) for name in rest if name):
                    return False
                return partial or bool(rest)
            for k in range(fi, len(file) + 1):
                if _match(file, k, segments, si + 1, partial, dot, nocase):
                    return True
                if k < len(file) and _bad_for_globstar(file[k], dot):
                    return False
            return False
        if fi >= len(file):
            return partial
        if not _segment_matches(segment, file[fi], dot, nocase):
            return False
        fi += 1
        si += 1
    if fi == len(file):
        return True
    return fi == len(file) - 1 and file[fi] == ""


def _bad_for_globstar(name: str, dot: bool) -> bool:
    return name in (".", "..") or (not dot and name.startswith("."))
