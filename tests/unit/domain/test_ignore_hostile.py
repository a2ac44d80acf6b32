"""Issue 17: no ignore file and no tree can pin the scanner, exhaust its memory or crash selection.

- caps on the file's size, lines and line length, each a clear `ignore_rule` problem saying what applied;
- paths thousands of directories deep: no recursion, memory linear in the path;
- the scan's checkpoint (its time budget) reaches ignore parsing, matching, selection and parsing.
"""

from __future__ import annotations

import pytest

from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain import ignore, ignore_file, ignore_index
from codetracker.domain.ignore import IgnoreRules
from codetracker.domain.ignore_file import (
    MAX_IGNORE_FILE_BYTES,
    MAX_IGNORE_FILE_LINES,
    MAX_PATTERN_BYTES,
    cap_ignore_file,
)
from codetracker.domain.model import EntryKind, ProblemKind, TreeEntry
from codetracker.domain.selection import select_modules
from codetracker.parsing import get_parser
from codetracker.parsing.workers import SEQUENTIAL
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from codetracker.parsing.extractor import ParserExtractor


class Stop(Exception):
    pass


class CountingCheckpoint:
    """Counts its calls; raises Stop from call `stop_at` on."""

    def __init__(self, stop_at: int | None = None) -> None:
        self.calls = 0
        self.stop_at = stop_at

    def __call__(self) -> None:
        self.calls += 1
        if self.stop_at is not None and self.calls >= self.stop_at:
            raise Stop


# --- caps ----------------------------------------------------------------------------------------------------


def test_a_file_over_the_line_cap_applies_its_first_lines_and_says_so():
    lines = [b"keep-%d.js" % i for i in range(MAX_IGNORE_FILE_LINES)] + [b"*.js", b"late.js"]
    rules = IgnoreRules(b"\n".join(lines) + b"\n", defaults=())
    assert rules.is_ignored("keep-0.js") and rules.is_ignored(f"keep-{MAX_IGNORE_FILE_LINES - 1}.js")
    assert not rules.is_ignored("other.js")  # `*.js` is past the cap: not applied
    first = rules.problems[0]
    assert (first.path, first.kind, first.line) == (".codetrackerignore", ProblemKind.IGNORE_RULE, 100_001)
    assert "lines 1-100,000 apply" in first.reason and "line 100,001 and every line after it" in first.reason


def test_a_file_over_the_size_cap_is_cut_at_a_line_end():
    line = b"x" * 1000 + b".js\n"
    count = MAX_IGNORE_FILE_BYTES // len(line) + 5
    applied, reason, first_left_out = cap_ignore_file(line * count)
    assert len(applied) <= MAX_IGNORE_FILE_BYTES and applied.endswith(b"\n")
    assert first_left_out == len(applied) // len(line) + 1
    assert reason is not None and f"line {first_left_out:,} and every line after it" in reason


def test_a_file_within_the_caps_is_whole_and_a_single_huge_line_applies_nothing():
    assert cap_ignore_file(b"a\nb") == (b"a\nb", None, 0)
    applied, reason, first = cap_ignore_file(b"*" * (MAX_IGNORE_FILE_BYTES + 1))
    assert (applied, first) == (b"", 1) and "no line applies" in reason
    rules = IgnoreRules(b"*" * (MAX_IGNORE_FILE_BYTES + 1), defaults=())
    assert not rules.is_ignored("a.js") and len(rules.problems) == 1


def test_a_line_longer_than_the_pattern_cap_is_reported_and_the_others_apply():
    long_line = b"*a" * (MAX_PATTERN_BYTES // 2) + b"b"
    rules = IgnoreRules(b"*.gen.js\n" + long_line + b"\n", defaults=())
    assert rules.is_ignored("x.gen.js")
    (problem,) = rules.problems
    assert problem.line == 2 and f"longer than {MAX_PATTERN_BYTES} bytes" in problem.reason


def test_a_file_at_the_caps_parses_and_matches():
    """The densest patterns (a `*` every other byte) at MAX_PATTERN_BYTES a line, up to the byte cap:
    measured ~230 MB and ~4 s to parse on the 2-core machine, whatever the shape of the lines."""
    line = b"*a" * (MAX_PATTERN_BYTES // 2 - 1) + b"b\n"
    data = line * (MAX_IGNORE_FILE_BYTES // len(line))
    rules = IgnoreRules(data, defaults=())
    assert rules.problems == ()
    assert rules.is_ignored("a" * 4094 + "b") and not rules.is_ignored("a" * 40 + "b.js")


# --- depth ---------------------------------------------------------------------------------------------------


def test_a_path_twenty_thousand_directories_deep_is_decided_without_recursion():
    deep = "/".join(["d"] * 20_000)
    rules = IgnoreRules(b"*.tmp.js\nx/\n")  # the defaults too
    assert not rules.is_ignored(deep + "/a.js") and rules.is_ignored(deep + "/a.tmp.js")
    assert rules.is_ignored(deep + "/x/a.js") and rules.is_ignored(deep + "/node_modules/a.js")


def test_paths_thousands_of_directories_deep_are_decided_without_recursion():
    deep = "/".join(["d"] * 3_000)
    rules = IgnoreRules(b"*.tmp.js\nd/d/d/**/x/\n", defaults=())
    assert not rules.is_ignored(deep + "/a.js")
    assert rules.is_ignored(deep + "/a.tmp.js")
    assert rules.is_ignored(deep + "/x/a.js")  # a directory deep down excluded: what is below it too
    assert rules.is_dir_ignored(deep + "/x/y")
    entries = [
        TreeEntry(deep + "/a.js", EntryKind.FILE, 10, None),
        TreeEntry(deep + "/x/b.js", EntryKind.FILE, 1, None),
    ]
    assert [e.path for e in select_modules(entries, rules).candidates] == [deep + "/a.js"]


def test_the_directory_chain_decides_each_directory_of_a_sorted_walk_once():
    decided: list[str] = []
    rules = IgnoreRules(b"b/\n", defaults=())
    real = rules._excluded
    rules._excluded = lambda path, is_dir: decided.append(path) or real(path, is_dir)  # type: ignore[method-assign]
    for path in ["a/x/1.js", "a/x/2.js", "a/y/3.js", "b/c/4.js", "b/d/5.js", "c.js"]:
        rules.is_ignored(path)
    directories = [p for p in decided if not p.endswith(".js")]
    assert directories == ["a", "a/x", "a/y", "b"]  # b excluded: b/c and b/d never asked
    assert rules.is_ignored("b/d/5.js") and not rules.is_ignored("a/x/1.js")


def test_the_chain_answers_the_same_in_any_order():
    rules = IgnoreRules(b"logs/**\n!logs/keep/\n!logs/keep/**\nb/\n", defaults=())
    paths = ["logs/keep/a.js", "logs/a.js", "b/x.js", "logs/keep/deep/b.js", "a/b/x.js", "logs/keepx/a.js"]
    expected = [False, True, True, False, True, True]  # `b/` matches a/b too
    for order in (paths, paths[::-1], sorted(paths)):
        assert [rules.is_ignored(p) for p in order] == [expected[paths.index(p)] for p in order]


# --- the checkpoint reaches every stage --------------------------------------------------------------------


def test_the_checkpoint_is_called_while_a_long_ignore_file_is_parsed():
    checkpoint = CountingCheckpoint(stop_at=3)
    with pytest.raises(Stop):
        IgnoreRules(b"x.js\n" * 50_000, checkpoint=checkpoint)


def test_the_checkpoint_is_called_for_each_path_matched_and_can_stop_selection():
    checkpoint = CountingCheckpoint()
    rules = IgnoreRules(b"*a*a*a*ab\n", defaults=(), checkpoint=checkpoint)
    entries = [TreeEntry(f"d{i}/f{i}.js", EntryKind.FILE, 1, None) for i in range(100)]
    select_modules(entries, rules)
    assert checkpoint.calls >= 200  # every directory and every file
    stopping = IgnoreRules(b"*a*a*a*ab\n", defaults=(), checkpoint=CountingCheckpoint(stop_at=50))
    with pytest.raises(Stop):
        select_modules(entries, stopping)


def test_the_checkpoint_is_called_inside_one_path_with_many_patterns():
    """One path against a bucket of thousands of patterns sharing its gram: the blocks call it."""
    lines = b"".join(b"*aaa*[%d]*b\n" % i for i in range(2000))  # all filed under the gram "aaa"
    checkpoint = CountingCheckpoint()
    rules = IgnoreRules(lines, defaults=(), checkpoint=checkpoint)
    before = checkpoint.calls
    assert not rules.is_ignored("a" * 50 + "c")
    assert checkpoint.calls - before > 10


def test_the_checkpoint_stops_an_extraction_in_selection_and_in_parsing():
    files = {f"src/m{i}.mjs": b"export function f%d(a) {}\n" % i for i in range(40)}
    files[".codetrackerignore"] = b"*a*a*a*ab\n"
    tree = MemoryTree(files)
    counted = CountingCheckpoint()
    extract_tree(
        ExtractTreeRequest(tree, "m"),
        ExtractionPorts(ParserExtractor(get_parser("auto"), SEQUENTIAL), checkpoint=counted),
    )
    assert counted.calls > 80  # selection (ignore file, directories, files) and parsing (each file)
    for stop_at in (1, 2, counted.calls - 5):  # parsing the ignore file, matching, parsing the last files
        with pytest.raises(Stop):
            extract_tree(
                ExtractTreeRequest(tree, "m"),
                ExtractionPorts(
                    ParserExtractor(get_parser("auto"), SEQUENTIAL), checkpoint=CountingCheckpoint(stop_at=stop_at)
                ),
            )


@pytest.mark.parametrize("module", [ignore, ignore_file, ignore_index], ids=lambda m: m.__name__)
def test_ignore_modules_have_no_recursion(module):
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        called = {  # by name, or as a method of self
            c.func.attr if isinstance(c.func, ast.Attribute) else c.func.id
            for c in ast.walk(function)
            if isinstance(c, ast.Call)
            and (
                isinstance(c.func, ast.Name)
                or (isinstance(c.func, ast.Attribute) and getattr(c.func.value, "id", None) == "self")
            )
        }
        assert function.name not in called, f"{function.name} calls itself"


def test_the_checkpoint_stops_the_building_of_a_large_buckets_blocks(monkeypatch):
    """The first path matched against a large bucket compiles its blocks (seconds for 100,000 patterns): the
    checkpoint is asked between them, so a budget that has run out stops the scan before they are all built."""
    from codetracker.domain import ignore_index

    lines = b"".join(b"*aaa*[%d]*b\n" % i for i in range(2000))  # 63 blocks of 32 under the gram "aaa"
    checkpoint = CountingCheckpoint()
    rules = IgnoreRules(lines, defaults=(), checkpoint=checkpoint)
    compiled: list[bytes] = []
    real_compile = ignore_index.re.compile
    monkeypatch.setattr(ignore_index.re, "compile", lambda *a: compiled.append(a[0]) or real_compile(*a))
    checkpoint.stop_at = checkpoint.calls + 3  # the budget runs out now
    with pytest.raises(Stop):
        rules.is_ignored("aaa" + "x" * 40 + "c")
    assert 0 < len(compiled) <= 3
