"""`.codetrackerignore`: gitignore rules with git's exact semantics, on bytes, never failing. The file is read
as git reads a `.gitignore` (ignore_file.py), its patterns indexed for "the last match decides"
(ignore_index.py); here, what git decides for a path.

Deciding (git's dir.c): the last pattern that matches decides (`!` means "not ignored"). Git walks down the
tree and checks each directory, as a directory, before entering it: an excluded directory is not entered,
so everything below it stays excluded whatever later `!` lines say. `logs/**` matches what is inside `logs`,
not `logs` itself, so `!logs/keep/` and `!logs/keep/**` after it re-include `logs/keep/...`. Paths are
matched on their UTF-8 bytes, case-sensitively.

Lines git would skip or that can never match become problems of the scan (at most MAX_REPORTED_PROBLEMS one by
one), after the one saying the file is over a cap when it is. No content of the file can make a scan fail.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from codetracker.domain.ignore_file import LineProblem, cap_ignore_file, parse_ignore_file
from codetracker.domain.ignore_index import PatternList
from codetracker.domain.model import Checkpoint, ProblemKind, ScanProblem

IGNORE_FILE_NAME = ".codetrackerignore"
DEFAULT_IGNORE_PATTERNS: tuple[str, ...] = (".git/", "node_modules/")
MAX_REPORTED_PROBLEMS = 100  # lines reported one by one; the rest are counted in one last problem


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
