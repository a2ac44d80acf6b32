"""An ordered list of ignore patterns indexed for git's "last matching pattern decides" (PatternList), so that
a huge file stays fast: literal patterns are looked up in dicts; every other pattern is filed under a short
literal byte string it requires (its rarest 1-3 byte gram), so a path is tested only against patterns whose
gram it contains; patterns with no literal at all are tested in blocks combined into one regex. Identical
lines count once (the last one). Matching takes O(pattern x path) steps whatever the pattern
(`wildmatch.GlobMatcher`), no step recurses on the path's depth, and a `checkpoint` is called as it goes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from codetracker.domain.ignore_file import IgnorePattern
from codetracker.domain.model import Checkpoint
from codetracker.domain.wildmatch import (
    GLOBSTAR,
    LITERAL,
    STAR,
    GlobMatcher,
    RegexMatcher,
    Token,
    compile_matcher,
    literal_runs,
    screen_regex,
    to_regex,
    variable_parts,
)

_GRAM_MAX = 3
_BLOCK = 32  # patterns per combined regex in a large bucket
_BLOCKS_FROM = 48  # buckets of at least this many patterns are scanned block by block
_FIND_PER_GRAM = 16  # a search for one gram in C costs about as much as this many text bytes in Python


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
            blocks: list[tuple[int, object, list[_Glob]]] = []
            for start in range(0, len(self.globs), _BLOCK):
                # Compiling the blocks of a large bucket takes seconds: the time budget is asked between them
                # (a budget that ran out here was seen only once all were built, past the function's limit).
                if self._checkpoint is not None:
                    self._checkpoint()
                members = self.globs[start : start + _BLOCK]
                combined = b"|".join(b"(?:" + g.source + b")" for g in members)
                blocks.append((members[0].index, re.compile(combined, re.DOTALL).fullmatch, members))
            self._blocks = blocks
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
