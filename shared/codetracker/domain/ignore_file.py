"""Reading a `.codetrackerignore` (as git reads a `.gitignore`), on bytes, never failing: the patterns in file
order, and the lines worth a word. Matching them: ignore_index.py; deciding a path: ignore.py.

A UTF-8 BOM at the start is dropped; lines end at LF and one CR before the LF is dropped; a line that is empty
or starts with `#` is a comment; a NUL ends the line's pattern; trailing spaces are dropped unless escaped
(`\\ `); a leading `!` negates; a trailing `/` makes the pattern match directories only; a pattern with a `/`
anywhere but at its end is anchored at the root and matched against the whole path (one leading `/` is
dropped), else it is matched against the last component. Globs follow git's wildmatch (see `wildmatch.py`).

Lines git would skip or that can never match (`!` alone, a lone trailing `\\`, an unclosed `[`, an unknown
`[:class:]`, `/` alone, an empty segment `//`) and reversed ranges (`[z-a]`) are problems (LineProblem), with
their line number; every other line applies.

Bounds (issue 17): a file over MAX_IGNORE_FILE_BYTES or MAX_IGNORE_FILE_LINES applies its lines up to the
cap (cut at a line end: cap_ignore_file); a line over MAX_PATTERN_BYTES is a problem and does not apply (git
would apply it). A `checkpoint` (the scan's time budget) is called as parsing goes.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from codetracker.domain.model import Checkpoint
from codetracker.domain.refnames import printable
from codetracker.domain.wildmatch import (
    LITERAL,
    Token,
    compile_path_pattern,
    compile_pattern,
    has_empty_segment,
    simple_length,
)

# Caps on what of the file applies. Real ignore files are a few KB (GitHub's largest templates ~10 KB);
# parsed and indexed, a line costs up to ~2 KB (measured: 100,000 lines = 80-180 MB, 1.5-3 s), and the
# scanner has 2 GB for everything: these keep the rules under ~200 MB and a few seconds.
MAX_IGNORE_FILE_BYTES = 4 * 1024 * 1024
MAX_IGNORE_FILE_LINES = 100_000
# One pattern is compiled whole (tokens, regexes: ~400 bytes of peak memory a byte); a line longer than the
# longest path Linux lets git check out (PATH_MAX) is reported and not applied, unlike git.
MAX_PATTERN_BYTES = 4096
_CHECK_EVERY_LINES = 4096  # lines parsed between two calls of the checkpoint
_SLASH = ord("/")


@dataclass(frozen=True, slots=True)
class IgnorePattern:
    line: int  # 1-based line number in the file
    body: bytes  # the glob without `!`, the trailing `/` and (anchored patterns) the leading `/`
    negative: bool
    dir_only: bool
    basename: bool  # no `/` in it: matched against the last path component
    tokens: tuple[Token, ...] | None  # None: never matches; a literal pattern is one LITERAL token


@dataclass(frozen=True, slots=True)
class LineProblem:
    line: int
    why: str
    raw: bytes  # the line as written

    @property
    def reason(self) -> str:
        return f"{self.why}: '{_shown(self.raw)}'"


def _trim_trailing_spaces(line: bytes) -> bytes:
    """Drop trailing spaces that are not escaped (git's trim_trailing_spaces: `a\\  ` keeps `a\\ `).

    The first space of the trailing run is escaped when an odd number of backslashes precede it (they
    pair up from the left, whatever came before them)."""
    if not line.endswith(b" "):
        return line
    kept = len(line.rstrip(b" "))
    backslashes = kept - len(line[:kept].rstrip(b"\\"))
    return line[: kept + 1] if backslashes % 2 else line[:kept]


def _shown(raw: bytes) -> str:
    return printable(raw[:256].decode("utf-8", "backslashreplace"))  # a line can be megabytes long


def cap_ignore_file(data: bytes) -> tuple[bytes, str | None, int]:
    """The part of the file that applies (whole lines within both caps), why the rest does not (None when
    all of it applies) and the number of the first line not applied."""
    applied = data
    if len(applied) > MAX_IGNORE_FILE_BYTES:
        applied = applied[: applied.rfind(b"\n", 0, MAX_IGNORE_FILE_BYTES) + 1]  # never half a line
    lines_end = -1
    for _ in range(MAX_IGNORE_FILE_LINES):  # the end of the last line within the cap, without a list of lines
        lines_end = applied.find(b"\n", lines_end + 1)
        if lines_end < 0:
            break
    if lines_end >= 0 and lines_end + 1 < len(applied):
        applied = applied[: lines_end + 1]
    if len(applied) == len(data):
        return data, None, 0
    first_left_out = applied.count(b"\n") + 1
    applies = f"lines 1-{first_left_out - 1:,} apply" if first_left_out > 1 else "no line applies"
    reason = (
        f"the file is over the cap of {MAX_IGNORE_FILE_BYTES:,} bytes or {MAX_IGNORE_FILE_LINES:,} lines "
        f"({len(data):,} bytes): {applies}; line {first_left_out:,} and every line after it are not applied"
    )
    return applied, reason, first_left_out


def parse_ignore_file(
    data: bytes, checkpoint: Checkpoint | None = None
) -> tuple[list[IgnorePattern], list[LineProblem]]:
    """Patterns in file order, and the lines worth a word (see the module docstring)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    patterns: list[IgnorePattern] = []
    problems: list[LineProblem] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if checkpoint is not None and number % _CHECK_EVERY_LINES == 0:
            checkpoint()
        if not raw or raw[0] == 0x23:  # empty or `#`
            continue
        line = raw[:-1] if raw.endswith(b"\r") else raw
        nul = line.find(b"\0")
        text = line if nul < 0 else line[:nul]  # git keeps patterns as C strings
        text = _trim_trailing_spaces(text)
        if not text:
            continue  # blank once trimmed
        if len(text) > MAX_PATTERN_BYTES:
            problems.append(LineProblem(number, f"line not applied: longer than {MAX_PATTERN_BYTES} bytes", line))
            continue
        pattern, why = _parse_pattern(text, number)
        if pattern is not None:
            patterns.append(pattern)
        problems.extend(LineProblem(number, reason, line) for reason in why)
    return patterns, problems


def _is_plain_name(text: bytes) -> bool:
    return simple_length(text) == len(text) and _SLASH not in text


def _parse_pattern(text: bytes, number: int) -> tuple[IgnorePattern | None, list[str]]:
    negative = text[:1] == b"!"
    if negative:
        text = text[1:]
        if not text:
            return None, ["line skipped, as git does: '!' with no pattern after it"]
    dir_only = text.endswith(b"/")
    if dir_only:
        text = text[:-1]
        if not text:
            return None, ["line skipped, as git does: '/' alone matches nothing"]
    basename = _SLASH not in text
    body = text if basename or text[0] != _SLASH else text[1:]
    if len(body) > 3 and body.startswith(b"**/") and simple_length(body) == 0 and _is_plain_name(body[3:]):
        basename, body = True, body[3:]  # `**/name` matches `name` at any depth: a basename pattern
    if simple_length(body) == len(body):  # no glob character: most lines of a long file
        tokens: tuple[Token, ...] | None = (Token(LITERAL, body),) if body else ()
        reasons: list[str] = []
    else:
        compiled = compile_pattern(body, pathname=False) if basename else compile_path_pattern(body)
        tokens = compiled.tokens
        reasons = [f"{warning} (the line applies, as in git)" for warning in compiled.warnings]
        if tokens is None:
            reasons.append(f"line skipped, as git does: {compiled.never_reason}, so it never matches")
    if tokens is not None and not basename and has_empty_segment(tokens):
        reasons.append("line skipped, as git does: an empty path segment ('//', or a '/' at an end) never matches")
        tokens = None
    return IgnorePattern(number, body, negative, dir_only, basename, tokens), reasons
