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

Bounds (issue 17): a file over MAX_IGNORE_FILE_BYTES or MAX_IGNORE_FILE_LINES applies its lines up to the
cap (cut at a line end) and says so in one problem naming the first line not applied; nothing later in the
file applies. A line over MAX_PATTERN_BYTES is a problem and does not apply (git would apply it). Matching
takes O(pattern x path) steps whatever the pattern (`wildmatch.GlobMatcher`), no step recurses on the
path's depth, and a `checkpoint` (the scan's time budget) is called as parsing and matching go.

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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from codetracker.domain.model import Checkpoint, ProblemKind, ScanProblem
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
_GRAM_MAX = 3
_BLOCK = 32  # patterns per combined regex in a large bucket
_BLOCKS_FROM = 48  # buckets of at least this many patterns are scanned block by block
_FIND_PER_GRAM = 16  # a search for one gram in C costs about as much as this many text bytes in Python


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

    __slots__ = ("globs", "_blocks", "_checkpoint")

    def __init__(self, globs: list[_Glob], checkpoint: Checkpoint | None) -> None:
        self.globs = sorted(globs, key=lambda g: -g.index)
        self._blocks: list[tuple[int, object, list[_Glob]]] | None = None
        self._checkpoint = checkpoint

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
            if self._checkpoint is not None:
                self._checkpoint()
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

    def __init__(
        self, items: list[tuple[int, IgnorePattern]], *, basename: bool, checkpoint: Checkpoint | None = None
    ) -> None:
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
        self.buckets = {gram: _Bucket(members, checkpoint) for gram, members in by_gram.items()}
        self.gram_lengths = sorted({len(gram) for gram in self.buckets})
        self.general = _Bucket(general, checkpoint) if general else None

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
        if self.buckets and len(self.buckets) * _FIND_PER_GRAM < size:
            # A long text (a path thousands of directories deep, asked about at each level) and few
            # buckets: look for each bucket's gram in the text (in C) instead of each gram of the text.
            for gram, bucket in self.buckets.items():
                if gram in text:
                    best = bucket.best(text, is_dir, best)
        elif self.buckets:
            seen: set[bytes] = set()
            for length in self.gram_lengths:
                for start in range(size - length + 1):
                    gram = text[start : start + length]
                    if gram in seen:
                        continue
                    seen.add(gram)
                    found_bucket = self.buckets.get(gram)
                    if found_bucket is not None:
                        best = found_bucket.best(text, is_dir, best)
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

    def __init__(self, patterns: Iterable[IgnorePattern], checkpoint: Checkpoint | None = None) -> None:
        last: dict[tuple[bool, bool, bytes], int] = {}
        ordered = [p for p in patterns if p.tokens is not None]
        for index, pattern in enumerate(ordered):
            last[(pattern.basename, pattern.dir_only, pattern.body)] = index  # a later twin shadows it
        kept = [(i, p) for i, p in enumerate(ordered) if last[(p.basename, p.dir_only, p.body)] == i]
        self._negative = [p.negative for p in ordered]
        self._basename = _Index([(i, p) for i, p in kept if p.basename], basename=True, checkpoint=checkpoint)
        self._pathname = _Index([(i, p) for i, p in kept if not p.basename], basename=False, checkpoint=checkpoint)
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
    that file (kind `ignore_rule`, path `.codetrackerignore`, with the line number), after the one saying
    the file is over a cap when it is. `checkpoint`, when given, is called as parsing and matching go (the
    scan's time budget: it raises to stop them)."""

    def __init__(
        self,
        ignore_file_text: str | bytes | None = None,
        defaults: Sequence[str] = DEFAULT_IGNORE_PATTERNS,
        *,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        self._checkpoint = checkpoint
        self._defaults, self._defaults_match_files = _defaults(tuple(defaults))
        data = _as_bytes(ignore_file_text) if ignore_file_text else b""
        # What decides every answer: equal sources, equal answers (a key for memos of decisions).
        self.source: tuple[bytes, tuple[str, ...]] = (data, tuple(defaults))
        applied, over_cap, first_left_out = cap_ignore_file(data)
        patterns, problems = parse_ignore_file(applied, checkpoint) if applied else ([], [])
        if checkpoint is not None:
            checkpoint()
        self._project = PatternList(patterns, checkpoint)
        capped = (
            (ScanProblem(IGNORE_FILE_NAME, ProblemKind.IGNORE_RULE, over_cap, line=first_left_out),) if over_cap else ()
        )
        self.problems: tuple[ScanProblem, ...] = capped + _as_scan_problems(problems)
        self._chain = _DirectoryChain()

    def _excluded(self, path: str, is_dir: bool) -> bool:
        if self._checkpoint is not None:
            self._checkpoint()
        encoded = _as_bytes(path)
        if (is_dir or self._defaults_match_files) and self._defaults.decision(encoded, is_dir):
            return True
        return self._project.decision(encoded, is_dir) is True

    def is_dir_ignored(self, dir_path: str) -> bool:
        """True when git would not descend into the directory (itself or an ancestor is excluded)."""
        dir_path = dir_path.strip("/")
        if not dir_path:
            return False
        return self._chain.excluded(dir_path, self._excluded)

    def is_ignored(self, path: str, *, is_dir: bool = False) -> bool:
        """git's answer for a file (or, with `is_dir`, a directory or submodule) at `path`."""
        path = path.strip("/")
        parent, _, _ = path.rpartition("/")
        if self.is_dir_ignored(parent):
            return True
        return self.is_dir_ignored(path) if is_dir else self._excluded(path, False)


class _DirectoryChain:
    """The decisions for the directories of the last directory asked about, from the root down: the next
    question reuses those of the directories it shares (a sorted walk decides each directory once), and
    memory stays linear in one path, however deep (a cache of every directory prefix of a path 3,000
    levels deep is quadratic). No recursion: a loop down the path."""

    __slots__ = ("path", "ends", "excluded_from")

    def __init__(self) -> None:
        self.path = ""
        self.ends: list[int] = []  # ends[i]: where the (i+1)-th directory of `path` ends in it
        self.excluded_from = -1  # the first level that is excluded (all below it are), -1 if none

    def excluded(self, path: str, decide: Callable[[str, bool], bool]) -> bool:
        shared = _common_length(self.path, path)
        kept = 0
        for end in self.ends:  # the levels both paths share: a prefix of `ends`
            if end > shared or (end < len(path) and path[end] != "/"):
                break
            kept += 1
        del self.ends[kept:]
        if self.excluded_from >= kept:
            self.excluded_from = -1
        self.path = path
        start = self.ends[-1] + 1 if self.ends else 0
        while start <= len(path):
            end = path.find("/", start)
            end = len(path) if end < 0 else end
            self.ends.append(end)
            if self.excluded_from < 0 and decide(path[:end], True):
                self.excluded_from = len(self.ends) - 1
            start = end + 1
        return self.excluded_from >= 0


def _common_length(a: str, b: str) -> int:
    """Length of the longest common prefix (binary search over slices compared in C)."""
    low, high = 0, min(len(a), len(b))
    if a[:high] == b[:high]:
        return high
    while low < high:  # a[:low] == b[:low] and a[:high] != b[:high]
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


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
