"""File selection: ignore rules agree with git, module rules, skips with reasons."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from codetracker.domain.model import EntryKind, ProblemKind, TreeEntry
from codetracker.domain.selection import (
    IgnoreRules,
    SelectionOptions,
    describe_unread_sources,
    is_module_path,
    may_export,
    select_modules,
    slugify,
    sorted_unread,
    source_dialect,
    unread_sources,
)
from codetracker.errors import InvalidInput

# Rule sets and paths chosen to hit the places where gitignore semantics are subtle: re-including a
# file under an excluded directory (git refuses), anchored patterns, `**`,
# directory-only patterns, negation order, character classes, escaped and trailing spaces.
IGNORE_CASES = {
    "reinclude_under_excluded_dir": ("build/\n!build/keep.js\n", ["build/keep.js", "build/a/b.js", "src/build.js"]),
    "reinclude_file_pattern": ("*.min.js\n!vendor/keep.min.js\n", ["a.min.js", "vendor/keep.min.js", "x/y.min.js"]),
    "anchored": ("/root-only.js\n", ["root-only.js", "sub/root-only.js"]),
    "double_star": (
        "docs/**/*.js\n**/fixtures/\n",
        ["docs/a.js", "docs/x/y/z.js", "src/docs/a.js", "a/fixtures/f.mjs", "fixtures/g.js"],
    ),
    "dir_only_vs_file": ("tmp/\n", ["tmp/a.js", "src/tmp/b.js", "tmp.js"]),
    "bare_name_matches_dirs_and_files": ("foo\n", ["foo", "foo/a.js", "x/foo/b.js", "foobar.js"]),
    "negate_dir_then_exclude_file": (
        "lib/*\n!lib/keep/\nlib/keep/*.test.js\n",
        ["lib/a.js", "lib/keep/b.js", "lib/keep/b.test.js"],
    ),
    "middle_slash_is_anchored": ("src/gen\n", ["src/gen/a.js", "pkg/src/gen/a.js"]),
    "char_class_and_question": ("file[0-9].js\n?.mjs\n", ["file1.js", "filea.js", "a.mjs", "ab.mjs"]),
    "comments_blank_escapes": ("# comment\n\n\\#hash.js\n\\!bang.js\n", ["#hash.js", "!bang.js", "comment"]),
    "trailing_space": ("spaced.js   \n", ["spaced.js", "spaced.js   "]),
    "later_rule_wins": ("*.js\n!keep.js\nkeep.js\n", ["keep.js", "other.js"]),
    "star_does_not_cross_slash": ("src/*.js\n", ["src/a.js", "src/deep/b.js"]),
    "double_star_prefix_and_suffix": ("**/gen/**\nout/**\n", ["gen/a.js", "x/gen/y/z.js", "out/a.js", "out"]),
}


def _git_ignored(tmp_path, rules: str, paths: list[str]) -> dict[str, bool]:
    """Ask git itself: `git check-ignore --no-index` with the rules as the repository's exclude file."""
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / ".git" / "info" / "exclude").write_text(rules)
    result = subprocess.run(
        ["git", "-C", str(repo), "-c", "core.excludesFile=", "check-ignore", "--no-index", "-v", "-n", "--stdin", "-z"],
        input="\0".join(paths) + "\0",
        capture_output=True,
        text=True,
    )
    assert result.returncode in (0, 1), result.stderr
    fields = result.stdout.split("\0")
    answers = {}
    # -z -v -n: source, linenum, pattern, pathname per record
    for i in range(0, len(fields) - 1, 4):
        source, _line, pattern, path = fields[i : i + 4]
        answers[path] = bool(source) and not pattern.startswith("!")
    return answers


@pytest.mark.skipif(shutil.which("git") is None, reason="git is needed to produce the reference vectors")
@pytest.mark.parametrize("case", sorted(IGNORE_CASES))
def test_ignore_rules_agree_with_git_check_ignore(tmp_path, case):
    rules_text, paths = IGNORE_CASES[case]
    expected = _git_ignored(tmp_path, rules_text, paths)
    rules = IgnoreRules(rules_text, defaults=())
    actual = {p: rules.is_ignored(p) for p in paths}
    assert actual == expected


def test_pathspec_is_not_on_the_import_path():
    """Our own wildmatch replaced pathspec (see domain/ignore.py); importing the domain must not load it."""
    import subprocess
    import sys

    code = "import sys, codetracker.domain.selection, codetracker.domain.ignore; print('pathspec' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_defaults_always_apply_even_when_negated():
    rules = IgnoreRules("!node_modules/\n!.git/\n")
    assert rules.is_ignored("node_modules/pkg/index.js")
    assert rules.is_ignored("packages/a/node_modules/b/index.mjs")
    assert rules.is_ignored(".git/hooks/x.js")
    assert not rules.is_ignored("src/node_modules.js")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("a.mjs", True),
        ("lib/a.js", True),
        ("UPPER.JS", True),
        ("a.cjs", True),  # CommonJS, read as Node's `import` sees it
        ("types.d.ts", False),
        ("a.ts", True),
        ("a.mts", True),
        ("a.cts", True),
        ("a.tsx", True),
        ("a.d.mts", False),
        ("a.D.TS", False),
        ("a.json", False),
        ("a.jsx", True),
        ("js", False),
    ],
)
def test_module_paths(path, expected):
    assert is_module_path(path) is expected


def _file(path, size=10, kind=EntryKind.FILE):
    return TreeEntry(path, kind, size, "0" * 40)


def test_select_modules_skips_with_reasons_and_sorts():
    entries = [
        _file("z.mjs"),
        _file("a.js"),
        _file("big.mjs", size=5000),
        _file("link.js", kind=EntryKind.SYMLINK),
        _file("vendor", kind=EntryKind.SUBMODULE),
        _file("node_modules/x/index.js"),
        _file("dist/out.js"),
        _file("README.md"),
        _file("types.d.ts"),
    ]
    selection = select_modules(entries, IgnoreRules("dist/\n"), SelectionOptions(max_file_bytes=1000))
    assert [e.path for e in selection.candidates] == ["a.js", "z.mjs"]
    reasons = {p.path: p.reason for p in selection.skipped}
    assert set(reasons) == {"big.mjs", "link.js"}
    assert "too large" in reasons["big.mjs"] and "5000" in reasons["big.mjs"]
    assert "symlink" in reasons["link.js"]
    assert all(p.kind is ProblemKind.SKIPPED for p in selection.skipped)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"export function f() {}", True),
        (b"const a = 1;\nexport { a };", True),
        (b"export{a}", True),
        (b"module.exports = function () {}", False),
        (b"exports.f = 1; const exported = 2;", False),
        (b"import x from 'y'; x();", False),
        (b"", False),
        (b"export", False),  # nothing follows: not a statement
        (b"}export{f}", True),
        (b"/*x*/export default 1", True),
        (b"$export = 1; reexport(); export_ = 2; exportAll()", False),
        (b"\xef\xbb\xbfexport function f() {}", True),  # after a BOM
        (b"\xc2\xa0export function f() {}", True),  # after a no-break space
        (b"exports; export\n{ a }", True),
        # the word where no export statement can be: a string, a property, an object key, prose
        (b"var m = \"export\"; var n = 'export';", False),
        (b"a.export(); b?.export; c.export = 1", False),
        (b"var o = { export: 1, exportAll: 2 }", False),
        (b"// export the result\nfunction f() {}", False),
        (b"/* how to export it */ module.exports = f", False),
        # each way an export statement continues after the keyword
        (b"export * from 'x'", True),
        (b"export*as ns from 'x'", True),
        (b"export default 1", True),
        (b"export function f() {}", True),
        (b"export async function f() {}", True),
        (b"export class C {}", True),
        (b"export const a = 1", True),
        (b"export let a", True),
        (b"export var a", True),
        (b"export @dec class C {}", True),
        (b"export\t\r\n\x0b\x0c{ a }", True),
        (b"export/* a comment */function f() {}", True),
        (b"export // a comment\nfunction f() {}", True),
        (b"export\xc2\xa0function f() {}", True),  # a no-break space: Unicode whitespace
        (b"export\xe2\x80\xa8{ a }", True),  # U+2028, a line terminator
        (b"export constant", False),  # an identifier that starts like a keyword
        (b"export default", True),
        (b"a.export; export {}", True),  # the second occurrence decides
    ],
)
def test_export_prefilter(content, expected):
    assert may_export(content) is expected


@pytest.mark.parametrize(
    ("name", "slug"),
    [("My Package", "my-package"), ("@scope/pkg.js", "scope-pkg-js"), ("lodash-es", "lodash-es")],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_refuses_a_name_without_letters_instead_of_a_shared_fallback():
    with pytest.raises(InvalidInput):
        slugify("---")


def test_unread_sources_counts_js_family_files_that_are_not_read():
    entries = [
        _file("a.ts"),
        _file("types.d.ts"),
        _file("c.tsx"),
        _file("f.jsx"),
        _file("h.vue"),
        _file("i.VUE"),
        _file("App.vue"),
        _file("read.cjs"),  # read (CommonJS): never counted by its suffix
        _file("W.svelte"),
        _file("old.coffee"),
        _file("ok.js"),
        _file("README.md"),
        _file("dist/big.vue"),
        _file("node_modules/p/i.vue"),
        _file("link.vue", kind=EntryKind.SYMLINK),
    ]
    counts = sorted_unread(unread_sources(entries, IgnoreRules("dist/\n")))
    assert counts == {".vue": 3, ".coffee": 1, ".svelte": 1}
    assert list(counts)[0] == ".vue"  # most frequent first, then by key
    assert unread_sources(entries)[".vue"] == 5  # without rules: the ignored and default-excluded ones too
    assert unread_sources([_file("a.js"), _file("b.ts")]) == {}


def test_describe_unread_sources_says_why_and_always_says_something():
    assert describe_unread_sources({".cjs": 57, "commonjs": 128}) == (
        "128 CommonJS module and 57 .cjs (CommonJS) files not read"
    )
    assert describe_unread_sources({"too large": 1}) == "1 too large file not read"
    assert describe_unread_sources({".vue": 2, ".svelte": 1, ".coffee": 0}) == (
        "2 .vue (Vue component) and 1 .svelte (Svelte component) files not read"
    )
    assert describe_unread_sources({}) == "no JavaScript-family file left unread"


@pytest.mark.parametrize(
    ("path", "dialect"),
    [
        ("a.js", "javascript"),
        ("a.jsx", "javascript"),
        ("a.MTS", "typescript"),
        ("a.d.ts", "typescript"),
        ("a.tsx", "tsx"),
    ],
)
def test_source_dialect(path, dialect):
    assert source_dialect(path) == dialect


def test_declaration_files_are_selected_only_beside_javascript():
    rules = IgnoreRules(None)
    with_js = select_modules([_file("index.js"), _file("index.d.ts"), _file("node_modules/x/i.d.ts")], rules)
    assert [e.path for e in with_js.candidates] == ["index.js"]
    assert [e.path for e in with_js.declarations] == ["index.d.ts"]
    typescript_only = select_modules([_file("index.ts"), _file("index.d.ts")], rules)
    assert [e.path for e in typescript_only.candidates] == ["index.ts"] and typescript_only.declarations == ()


def test_typescript_exports_pass_the_prefilter():
    for text in (b"export type T = 1", b"export interface I {}", b"export = f", b"export declare function f(): void"):
        assert may_export(text, "typescript"), text
        assert not may_export(text.replace(b"export", b"exports"), "typescript")
    assert not may_export(b"export interface I {}")  # JavaScript has no interface
