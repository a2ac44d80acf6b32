"""`.codetrackerignore`: gitignore rules with git's exact semantics, on bytes, never failing.

Reading the file (as git reads a `.gitignore`): a UTF-8 BOM at the start is dropped; lines end at LF and one
CR before the LF is dropped; a line that is empty or starts with `#` is a comment; a NUL ends the line's
pattern; trailing spaces are dropped unless escaped (`\\ `); a leading `!` negates; a trailing `/` makes the
pattern match directories only; a pattern with a `/` anywhere but at its end is anchored at the root and
matched against the whole path (one leading `/` is dropped), else it is matched against the last component.
Globs follow git's wildmatch (see `wildmatch.py`), on the UTF-8 bytes of paths, case-sensitively.

Deciding (git's dir.c): the last pattern that matches decides (`!` means "not ignored"). Git walks down the
tree and checks each directory, as a directory, before entering it: an excluded directory is not entered,
so everything below it stays excluded whatever later `!` lines say. `logs/**` matches what is inside `logs`,
not `logs` itself, so `!logs/keep/` and `!logs/keep/**` after it re-include `logs/keep/...`.

Lines git would skip or that can never match (`!` alone, a lone trailing `\\`, an unclosed `[`, an unknown
`[:class:]`, `/` alone, an empty segment `//`) and reversed ranges (`[z-a]`) are reported as problems of the
scan, with their line number; every other line applies. No content of the file can make a scan fail.

Matching is indexed so that a huge file stays fast: literal patterns are looked up in dicts; every other
pattern is filed under a short literal byte string it requires (its rarest 1-3 byte gram), so a path is
tested only against patterns whose gram it contains; patterns with no literal at all are tested in blocks
combined into one regex. Identical lines count once (the last one).
"""

from __future__ import annotations

import codecs
import functools
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from codetracker.domain.model import ProblemKind, ScanProblem
from codetracker.domain.refnames import printable
from codetracker.domain.wildmatch import (
    GLOBSTAR,
    LITERAL,
    STAR,
    GlobMatcher,
    RegexMatcher,
    Token,
    compile_matcher,
    compile_path_pattern,
    compile_pattern,
    has_empty_segment,
    literal_runs,
    screen_regex,
    simple_length,
    to_regex,
    variable_parts,
)

IGNORE_FILE_NAME = ".codetrackerignore"
DEFAULT_IGNORE_PATTERNS: tuple[str, ...] = (".git/", "node_modules/")
MAX_REPORTED_PROBLEMS = 100  # lines reported one by one; the rest are counted in one last problem

_SLASH = ord("/")
_GRAM_MAX = 3
_BLOCK = 32  # patterns per combined regex in a large bucket
_BLOCKS_FROM = 48  # buckets of at least this many patterns are scanned block by block


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


def parse_ignore_file(data: bytes) -> tuple[list[IgnorePattern], list[LineProblem]]:
    """Patterns in file order, and the lines worth a word (see the module docstring)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    patterns: list[IgnorePattern] = []
    problems: list[LineProblem] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw or raw[0] == 0x23:  # empty or `#`
            continue
        line = raw[:-1] if raw.endswith(b"\r") else raw
        nul = line.find(b"\0")
        text = line if nul < 0 else line[:nul]  # git keeps patterns as C strings
        text = _trim_trailing_spaces(text)
        if not text:
            continue  # blank once trimmed
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


# --- matching ------------------------------------------------------------------------------------------


class _Glob:
    """One pattern of a bucket. `source` is a linear-time regex (exact, or a pre-screen for patterns with
    several `*`/`**`) for the combined blocks; the matcher is built on first use (most never are)."""

    __slots__ = ("index", "negative", "dir_only", "source", "_tokens", "_pathname", "_matcher")

    def __init__(self, index: int, pattern: IgnorePattern) -> None:
        tokens = pattern.tokens
        assert tokens is not None
        self.index = index
        self.negative = pattern.negative
        self.dir_only = pattern.dir_only
        self._tokens = tokens
        self._pathname = not pattern.basename
        simple = variable_parts(tokens) <= 1
        self.source = (to_regex if simple else screen_regex)(tokens, pathname=self._pathname)
        self._matcher: RegexMatcher | GlobMatcher | None = None

    def match(self, text: bytes) -> bool:
        if self._matcher is None:
            self._matcher = compile_matcher(self._tokens, pathname=self._pathname)
        return self._matcher.match(text)


class _Bucket:
    """Globs in decreasing index order; large buckets are pre-screened by blocks combined in one regex."""

    __slots__ = ("globs", "_blocks")

    def __init__(self, globs: list[_Glob]) -> None:
        self.globs = sorted(globs, key=lambda g: -g.index)
        self._blocks: list[tuple[int, object, list[_Glob]]] | None = None

    def best(self, text: bytes, is_dir: bool, best: int) -> int:
        """Index of the last glob that matches, if above `best`; else `best`."""
        if len(self.globs) < _BLOCKS_FROM:
            return _scan(self.globs, text, is_dir, best)
        if self._blocks is None:
            self._blocks = []
            for start in range(0, len(self.globs), _BLOCK):
                members = self.globs[start : start + _BLOCK]
                combined = b"|".join(b"(?:" + g.source + b")" for g in members)
                self._blocks.append((members[0].index, re.compile(combined, re.DOTALL).fullmatch, members))
        for top, screen, members in self._blocks:
            if top <= best:
                break
            if screen(text) is not None:  # type: ignore[operator]
                found = _scan(members, text, is_dir, best)
                if found > best:
                    return found
        return best


def _scan(globs: list[_Glob], text: bytes, is_dir: bool, best: int) -> int:
    for glob in globs:
        if glob.index <= best:
            break
        if glob.dir_only and not is_dir:
            continue
        if glob.match(text):
            return glob.index
    return best


class _Keys:
    """Patterns that match when a key taken from the text is in a dict: the highest index for files and
    for directories (every pattern matches directories; dir-only ones only them)."""

    __slots__ = ("files", "dirs", "lengths")

    def __init__(self) -> None:
        self.files: dict[bytes, int] = {}
        self.dirs: dict[bytes, int] = {}
        self.lengths: list[int] = []

    def add(self, key: bytes, index: int, dir_only: bool) -> None:
        if index > self.dirs.get(key, -1):
            self.dirs[key] = index
        if not dir_only and index > self.files.get(key, -1):
            self.files[key] = index

    def freeze(self) -> None:
        self.lengths = sorted({len(key) for key in self.dirs})


class _Index:
    """The patterns of one mode (last component, or whole path) indexed for "last match" queries:
    literal patterns (`name`), `*suffix`, `prefix*` and `*infix*` (basename) or `prefix**` (path:
    `dir/**`) by dict lookups, every other glob in the bucket of a short literal it requires (or, with no
    literal at all, in the general bucket)."""

    __slots__ = ("exact", "prefix", "suffix", "infix", "buckets", "gram_lengths", "general")

    def __init__(self, items: list[tuple[int, IgnorePattern]], *, basename: bool) -> None:
        self.exact, self.prefix, self.suffix, self.infix = _Keys(), _Keys(), _Keys(), _Keys()
        any_run = STAR if basename else GLOBSTAR  # what matches any rest of the text in this mode
        globs: list[tuple[_Glob, list[bytes]]] = []
        for index, pattern in items:
            tokens = pattern.tokens
            assert tokens is not None
            kinds = tuple(t.kind for t in tokens)
            if kinds == (LITERAL,):
                self.exact.add(tokens[0].value, index, pattern.dir_only)  # type: ignore[arg-type]
            elif kinds == (LITERAL, any_run):
                self.prefix.add(tokens[0].value, index, pattern.dir_only)  # type: ignore[arg-type]
            elif basename and kinds == (STAR, LITERAL):
                self.suffix.add(tokens[1].value, index, pattern.dir_only)  # type: ignore[arg-type]
            elif basename and kinds == (STAR, LITERAL, STAR):
                self.infix.add(tokens[1].value, index, pattern.dir_only)  # type: ignore[arg-type]
            elif kinds == (any_run,):
                self.prefix.add(b"", index, pattern.dir_only)  # `*` or `**`: everything
            else:
                globs.append((_Glob(index, pattern), _candidate_grams(tokens)))
        for keys in (self.exact, self.prefix, self.suffix, self.infix):
            keys.freeze()
        frequency = Counter(gram for _, grams in globs for gram in grams)
        by_gram: dict[bytes, list[_Glob]] = {}
        general: list[_Glob] = []
        for glob, grams in globs:
            if grams:
                gram = min(grams, key=lambda g: (frequency[g], -len(g)))
                by_gram.setdefault(gram, []).append(glob)
            else:
                general.append(glob)
        self.buckets = {gram: _Bucket(members) for gram, members in by_gram.items()}
        self.gram_lengths = sorted({len(gram) for gram in self.buckets})
        self.general = _Bucket(general) if general else None

    def best(self, text: bytes, is_dir: bool, best: int) -> int:
        exact = (self.exact.dirs if is_dir else self.exact.files).get(text, -1)
        if exact > best:
            best = exact
        size = len(text)
        for keys, cut in ((self.prefix, True), (self.suffix, False)):
            if keys.lengths:
                found = keys.dirs if is_dir else keys.files
                for length in keys.lengths:
                    if length > size:
                        break
                    index = found.get(text[:length] if cut else text[size - length :], -1)
                    if index > best:
                        best = index
        if self.infix.lengths:
            found = self.infix.dirs if is_dir else self.infix.files
            for length in self.infix.lengths:
                for start in range(size - length + 1):
                    index = found.get(text[start : start + length], -1)
                    if index > best:
                        best = index
        if self.buckets:
            seen: set[bytes] = set()
            for length in self.gram_lengths:
                for start in range(size - length + 1):
                    gram = text[start : start + length]
                    if gram in seen:
                        continue
                    seen.add(gram)
                    bucket = self.buckets.get(gram)
                    if bucket is not None:
                        best = bucket.best(text, is_dir, best)
        if self.general is not None:
            best = self.general.best(text, is_dir, best)
        return best


def _candidate_grams(tokens: tuple[Token, ...]) -> list[bytes]:
    runs = literal_runs(tokens)
    if not runs:
        return []
    longest = max(runs, key=len)
    if len(longest) <= _GRAM_MAX:
        return [longest]
    grams = {longest[i : i + _GRAM_MAX] for i in range(len(longest) - _GRAM_MAX + 1)}
    return sorted(grams)[:16]


class PatternList:
    """One ordered list of ignore patterns: `excluded(path)` is git's answer for that path alone (the
    last matching pattern decides), not looking at its directories."""

    def __init__(self, patterns: Iterable[IgnorePattern]) -> None:
        last: dict[tuple[bool, bool, bytes], int] = {}
        ordered = [p for p in patterns if p.tokens is not None]
        for index, pattern in enumerate(ordered):
            last[(pattern.basename, pattern.dir_only, pattern.body)] = index  # a later twin shadows it
        kept = [(i, p) for i, p in enumerate(ordered) if last[(p.basename, p.dir_only, p.body)] == i]
        self._negative = [p.negative for p in ordered]
        self._basename = _Index([(i, p) for i, p in kept if p.basename], basename=True)
        self._pathname = _Index([(i, p) for i, p in kept if not p.basename], basename=False)
        self.empty = not kept

    def decision(self, path: bytes, is_dir: bool) -> bool | None:
        """True: excluded; False: re-included by a `!` pattern; None: no pattern matches."""
        if self.empty:
            return None
        best = self._pathname.best(path, is_dir, -1)
        best = self._basename.best(path.rpartition(b"/")[2], is_dir, best)
        return None if best < 0 else not self._negative[best]


def _as_bytes(text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


class IgnoreRules:
    """gitignore-style exclusions: defaults that always apply, then the project's own rules.

    `ignore_file_text` is the content of `.codetrackerignore`: bytes as stored (best: matched byte for byte,
    as git does) or text. `problems` lists the lines that were skipped or match nothing, as scan problems of
    that file (kind `ignore_rule`, path `.codetrackerignore`, with the line number)."""

    def __init__(
        self, ignore_file_text: str | bytes | None = None, defaults: Sequence[str] = DEFAULT_IGNORE_PATTERNS
    ) -> None:
        self._defaults, self._defaults_match_files = _defaults(tuple(defaults))
        patterns, problems = parse_ignore_file(_as_bytes(ignore_file_text)) if ignore_file_text else ([], [])
        self._project = PatternList(patterns)
        self.problems: tuple[ScanProblem, ...] = _as_scan_problems(problems)
        self._dir_cache: dict[str, bool] = {}

    def _excluded(self, path: str, is_dir: bool) -> bool:
        encoded = _as_bytes(path)
        if (is_dir or self._defaults_match_files) and self._defaults.decision(encoded, is_dir):
            return True
        return self._project.decision(encoded, is_dir) is True

    def is_dir_ignored(self, dir_path: str) -> bool:
        """True when git would not descend into the directory (itself or an ancestor is excluded)."""
        dir_path = dir_path.strip("/")
        if not dir_path:
            return False
        cached = self._dir_cache.get(dir_path)
        if cached is None:
            parent, _, _ = dir_path.rpartition("/")
            cached = self.is_dir_ignored(parent) or self._excluded(dir_path, True)
            self._dir_cache[dir_path] = cached
        return cached

    def is_ignored(self, path: str, *, is_dir: bool = False) -> bool:
        """git's answer for a file (or, with `is_dir`, a directory or submodule) at `path`."""
        path = path.strip("/")
        parent, _, _ = path.rpartition("/")
        if self.is_dir_ignored(parent):
            return True
        return self.is_dir_ignored(path) if is_dir else self._excluded(path, False)


@functools.lru_cache(maxsize=8)
def _defaults(defaults: tuple[str, ...]) -> tuple[PatternList, bool]:
    patterns, _ = parse_ignore_file("\n".join(defaults).encode("utf-8"))
    # Directory-only defaults (`.git/`, `node_modules/`) never match a file itself, only its directories.
    return PatternList(patterns), any(not p.dir_only for p in patterns)


def _as_scan_problems(problems: list[LineProblem]) -> tuple[ScanProblem, ...]:
    shown = [
        ScanProblem(IGNORE_FILE_NAME, ProblemKind.IGNORE_RULE, p.reason, line=p.line)
        for p in problems[:MAX_REPORTED_PROBLEMS]
    ]
    if len(problems) > MAX_REPORTED_PROBLEMS:
        rest = problems[MAX_REPORTED_PROBLEMS:]
        shown.append(
            ScanProblem(
                IGNORE_FILE_NAME,
                ProblemKind.IGNORE_RULE,
                f"{len(rest)} more lines (from line {rest[0].line} to {rest[-1].line}) are skipped or match nothing; "
                "not listed",
                line=rest[0].line,
            )
        )
    return tuple(shown)
