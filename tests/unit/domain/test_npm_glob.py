"""npm's globs (minimatch as npm-packlist and map-workspaces call it), table-driven and against minimatch."""

from __future__ import annotations

import itertools
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from codetracker.domain.npm_glob import compile_glob, expand_braces

NPM_MODULES = Path("/usr/lib/node_modules/npm/node_modules")

IGNORE_OPTIONS = {"nocase": True, "dot": True, "match_base": True}  # ignore-walk's options
GLOB_OPTIONS = {"nocase": False, "dot": False, "match_base": False}  # map-workspaces' options

# (pattern, path, partial, options, expected)
CASES = [
    ("*.js", "a/b/c.js", False, IGNORE_OPTIONS, True),  # one segment: by base name
    ("*.js", "a/b/c.js", False, GLOB_OPTIONS, False),
    ("lib/*", "lib/a.js", False, IGNORE_OPTIONS, True),
    ("lib/*", "x/lib/a.js", False, IGNORE_OPTIONS, False),
    ("a/**", "a", False, IGNORE_OPTIONS, False),  # a trailing ** needs one segment
    ("a/**", "a/", False, IGNORE_OPTIONS, True),
    ("a/**", "a", True, IGNORE_OPTIONS, True),
    ("a/**/b", "a/b", False, IGNORE_OPTIONS, True),
    ("a/**/b", "a/x/y/b", False, IGNORE_OPTIONS, True),
    ("/build/config.gypi", "/build/config.gypi", False, IGNORE_OPTIONS, True),
    ("/build/config.gypi", "build/config.gypi", False, IGNORE_OPTIONS, False),
    ("README", "readme", False, IGNORE_OPTIONS, True),  # case-insensitive
    ("README", "readme", False, GLOB_OPTIONS, False),
    ("/readme{,.*[^~$]}", "/Readme.md", False, IGNORE_OPTIONS, True),
    ("/readme{,.*[^~$]}", "/readme.md~", False, IGNORE_OPTIONS, False),
    ("packages/*", "packages/.hidden", False, GLOB_OPTIONS, False),  # no dot files unless dot
    ("*", ".npmrc", False, IGNORE_OPTIONS, True),
    ("lib/", "lib/a.js", False, IGNORE_OPTIONS, False),
    ("lib/", "lib/", False, IGNORE_OPTIONS, True),
    ("x{1..3}", "x2", False, IGNORE_OPTIONS, True),
    ("\\*a", "*a", False, IGNORE_OPTIONS, True),
    ("[!a]*.js", "b.js", False, IGNORE_OPTIONS, True),
    ("[!a]*.js", "a.js", False, IGNORE_OPTIONS, False),
    ("!lib", "lib", False, IGNORE_OPTIONS, True),  # negation aside (flipNegate)
]


@pytest.mark.parametrize(("pattern", "path", "partial", "options", "expected"), CASES)
def test_matches_like_minimatch(pattern, path, partial, options, expected):
    assert compile_glob(pattern, **options).matches(path, partial=partial) is expected


def test_negation_counts_leading_bangs():
    assert compile_glob("!a", **IGNORE_OPTIONS).negate
    assert not compile_glob("!!a", **IGNORE_OPTIONS).negate
    assert compile_glob("!!!a", **IGNORE_OPTIONS).negate


def test_brace_expansion():
    assert expand_braces("a{b,c{d,e}}f") == ["abf", "acdf", "acef"]
    assert expand_braces("{a}") == ["{a}"]  # no comma, no range: literal
    assert expand_braces("a{,.md}") == ["a", "a.md"]
    assert len(expand_braces("{a,b}" * 20)) == 256  # bounded


PATTERNS = [
    "*", "a/**", "**/a", "a/**/b", "/a", "a/", "*.js", "lib/*", "lib/**", "readme{,.*[^~$]}",
    "/readme{,.*[^~$]}", "test", "**/test/**", ".git", "**/.git/**", "[!a]*.js", "a?c", "{a,b}/c", "x{1..3}",
    "*.[jt]s", "\\*a", "a/*/c", "**", "/**", "**/*.test.*", ".*.swp", "._*", "**/._*/**", "A.JS", "a/b/",
    "[[:alpha:]]x",
]  # fmt: skip
PATHS = [
    "a", "a/", "/a", "/a/", "a/b", "a/b/", "/a/b", "a/x/b", "a/x/y/b", "lib", "lib/", "lib/a.js", "/lib/a.js",
    "README", "readme.md", "Readme.MD~", "test", "test/x.js", "x/test/y.js", ".git", "x/.git/y", "b.js", "ab.js",
    "abc", "x1", "x4", "a.ts", "*a", "a/q/c", ".a.swp", "._x", "x/._y/z", "a.js", "A.JS", "/x/y/", "bx", "1x",
]  # fmt: skip


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@pytest.mark.skipif(not (NPM_MODULES / "minimatch").is_dir(), reason="npm's minimatch is not installed")
def test_differential_against_npms_minimatch():
    """Every pattern × path × partial × option set, against the minimatch npm itself ships. Partial
    matches of dot-file paths with dot=False are left out: npm never asks them (workspaces match whole)."""
    cases = [
        (pattern, path, partial, options)
        for pattern, path, partial, options in itertools.product(
            PATTERNS, PATHS, (False, True), (IGNORE_OPTIONS, GLOB_OPTIONS)
        )
        if options is IGNORE_OPTIONS or not partial
    ]
    script = (
        f"const {{Minimatch}} = require({json.dumps(str(NPM_MODULES / 'minimatch'))});"
        "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "console.log(JSON.stringify(cases.map(([p, f, partial, o]) => new Minimatch(p, "
        "{nocase: o.nocase, dot: o.dot, matchBase: o.match_base, flipNegate: true}).match(f, partial))));"
    )
    run = subprocess.run(["node", "-e", script], input=json.dumps(cases), capture_output=True, text=True, check=True)
    expected = json.loads(run.stdout)
    disagreements = [
        (pattern, path, partial, options)
        for (pattern, path, partial, options), want in zip(cases, expected, strict=True)
        if compile_glob(pattern, **options).matches(path, partial=partial) is not want
    ]
    assert disagreements == []


def test_whole_match_regex_agrees_with_the_segment_walk():
    """The fast path (one regex per alternative) and the reference segment walk answer alike."""
    for pattern, path, options in itertools.product(PATTERNS, PATHS, (IGNORE_OPTIONS, GLOB_OPTIONS)):
        glob = compile_glob(pattern, **options)
        assert glob.matches(path) is glob.matches_by_segments(path), (pattern, path, options)
