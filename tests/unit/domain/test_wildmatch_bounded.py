"""The bounded matcher: the same answers as the backtracking regex it replaces, in O(tokens x text) steps.

The regex (`to_regex`) is the reference here: it is what the differential test against git validated, and
on small texts its backtracking is harmless. On hostile sizes only the matcher runs, and its work is counted
((step, position) pairs considered), not timed.
"""

from __future__ import annotations

import random
import re

import pytest

from codetracker.domain.wildmatch import (
    GlobMatcher,
    RegexMatcher,
    compile_matcher,
    compile_path_pattern,
    compile_pattern,
    screen_regex,
    to_regex,
    variable_parts,
)

ATOMS = ["a", "b", "ab", "/", "*", "**", "?", "[ab]", "[!a]", "**/", "/**/", "/**", "\\*", "x", ".js", "[[:alpha:]]"]
TEXT_ATOMS = ["a", "b", "ab", "/", "x", ".js", "*", "aa", "ba/", "/a"]


def _tokens(pattern: bytes, pathname: bool):
    compiled = compile_path_pattern(pattern) if pathname else compile_pattern(pattern, pathname=False)
    return compiled.tokens


def _bound(tokens, text: bytes) -> int:
    return 2 * (len(tokens) + 1) * (len(text) + 1)


def test_the_matcher_agrees_with_the_reference_regex_on_random_patterns():
    rng = random.Random(17)
    checked = 0
    for _ in range(6000):
        pathname = rng.random() < 0.7
        pattern = "".join(rng.choice(ATOMS) for _ in range(rng.randint(1, 7))).encode()
        tokens = _tokens(pattern, pathname)
        if tokens is None or variable_parts(tokens) < 2:
            continue
        reference = re.compile(to_regex(tokens, pathname=pathname), re.DOTALL)
        screen = re.compile(screen_regex(tokens, pathname=pathname), re.DOTALL)
        matcher = GlobMatcher(tokens, pathname=pathname)
        for _ in range(12):
            text = "".join(rng.choice(TEXT_ATOMS) for _ in range(rng.randint(0, 8))).encode()
            expected = reference.fullmatch(text) is not None
            found, work = matcher.run(text)
            assert found is expected, (pattern, text, pathname)
            assert work <= _bound(tokens, text), (pattern, text)
            if expected:  # the screen lets through everything the pattern matches
                assert screen.fullmatch(text) is not None, (pattern, text)
            checked += 1
    assert checked > 20_000


@pytest.mark.parametrize(
    ("pattern", "text", "pathname", "expected"),
    [
        (b"*a*b", b"xaab", False, True),
        (b"q/**\\/x*y", b"q/a/xz/b/xy", True, True),  # the earliest `/x` is not the one that matches
        (b"ab**/c", b"abx/y/c", True, True),
        (b"ab**/c", b"abc", True, True),
        (b"**/*", b"a/b", True, True),
        (b"a/**/*/b", b"a/b", True, False),
        (b"a/**/*/b", b"a/x/b", True, True),
        (b"*/*", b"a/b/c", True, False),
        (b"**/a/**/b", b"x/a/y/z/b", True, True),
    ],
)
def test_cases_where_the_earliest_piece_is_not_enough(pattern, text, pathname, expected):
    tokens = _tokens(pattern, pathname)
    assert compile_matcher(tokens, pathname=pathname).match(text) is expected


def test_one_star_or_less_stays_a_regex_and_more_become_a_glob_matcher():
    assert isinstance(compile_matcher(_tokens(b"*.js", False), pathname=False), RegexMatcher)
    assert isinstance(compile_matcher(_tokens(b"a/**/b", True), pathname=True), RegexMatcher)
    assert isinstance(compile_matcher(_tokens(b"*a*b", False), pathname=False), GlobMatcher)


@pytest.mark.parametrize(
    ("pattern", "pathname"),
    [
        (b"*a" * 20 + b"b", False),  # issue 17: 18 stars took 17.6 s a path
        (b"*a" * 20 + b"b", True),
        (b"**/a" * 20 + b"/b", True),
        (b"a/**/" * 30 + b"b", True),
        (b"*?" * 50 + b"b", False),
        (b"*[a]" * 50 + b"[b]", True),
    ],
)
def test_hostile_patterns_take_work_linear_in_the_text(pattern, pathname):
    tokens = _tokens(pattern, pathname)
    for text in (b"a" * 40 + b"c", b"a" * 4000 + b".js", b"a/" * 3000 + b"c", b"a" * 100_000):
        found, work = compile_matcher(tokens, pathname=pathname).run(text)
        assert not found
        assert work <= _bound(tokens, text)


def test_the_hostile_pattern_of_the_issue_matches_what_it_should():
    tokens = _tokens(b"*a" * 20 + b"b", False)
    matcher = compile_matcher(tokens, pathname=False)
    assert matcher.match(b"a" * 40 + b"b")
    assert not matcher.match(b"a" * 19 + b"b")
    assert not matcher.match(b"a" * 40 + b"b.js")
