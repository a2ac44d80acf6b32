"""The pure helpers both backends share."""

from __future__ import annotations

import pytest

from codetracker.parsing.source_text import (
    ClauseSpecifier,
    ClauseSyntaxError,
    Utf8Offsets,
    attached_jsdoc,
    gap_comments,
    is_jsdoc,
    line_column,
    parse_export_clause,
    skip_trivia,
    string_literal_value,
    with_import_attributes,
)


def comment_ranges(source: str, *texts: str) -> list[tuple[int, int]]:
    ranges = []
    for text in texts:
        start = source.index(text)
        ranges.append((start, start + len(text)))
    return ranges


@pytest.mark.parametrize(
    ("text", "expected"),
    [("/** doc */", True), ("/**\n * doc\n */", True), ("/**/", False), ("/*** banner ***/", False),
     ("/* plain */", False), ("// line", False), ("/*! license */", False)],
)  # fmt: skip
def test_is_jsdoc(text: str, expected: bool) -> None:
    assert is_jsdoc(text) is expected


def test_attached_jsdoc_takes_the_last_jsdoc_of_the_adjacent_run() -> None:
    source = "/** one */\n/** two */\n// line\n/* plain */\nfunction f() {}"
    comments = comment_ranges(source, "/** one */", "/** two */", "// line", "/* plain */")

    assert attached_jsdoc(source, comments, source.index("function")) == "/** two */"


def test_attached_jsdoc_stops_at_code() -> None:
    source = "/** doc */\nconst a = 1;\nfunction f() {}"
    comments = comment_ranges(source, "/** doc */")

    assert attached_jsdoc(source, comments, source.index("function")) is None
    assert attached_jsdoc(source, comments, source.index("const")) == "/** doc */"


def test_attached_jsdoc_ignores_comments_after_the_anchor() -> None:
    source = "function f() {} /** later */"
    comments = comment_ranges(source, "/** later */")

    assert attached_jsdoc(source, comments, 0) is None


def test_gap_comments_finds_block_and_line_comments() -> None:
    source = "a();\n/* x */ // y\n/** z */\nb();"
    start, end = source.index(";") + 1, source.index("b();")

    assert gap_comments(source, start, end) == comment_ranges(source, "/* x */", "// y", "/** z */")


def test_gap_comments_skips_a_hashbang_only_at_the_start() -> None:
    source = "#!/usr/bin/env node\n/** doc */\nrun();"

    assert gap_comments(source, 0, source.index("run")) == comment_ranges(source, "/** doc */")


def test_gap_comments_drops_comments_before_stray_code() -> None:
    source = "/** a */ ; /** b */ x"

    assert gap_comments(source, 0, source.index("x")) == comment_ranges(source, "/** b */")


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(0, (1, 0)), (3, (1, 3)), (4, (2, 0)), (7, (3, 0)), (9, (4, 0)), (10, (4, 1)), (11, (5, 0)), (13, (6, 0))],
)
def test_line_column_knows_every_line_terminator(offset: int, expected: tuple[int, int]) -> None:
    source = "abc\nd\r\nx\ry\u2028z\u2029w"  # lines start at 0, 4, 7, 9, 11, 13

    assert line_column(source, offset) == expected


def test_skip_trivia() -> None:
    source = "a = /* c */ // d\n  (1)"

    assert source[skip_trivia(source, 3)] == "("


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("'plain'", "plain"),
        ('"a\\u0062c"', "abc"),
        ("'\\u{1F600}'", "😀"),
        ("'\\uD83D\\uDE00'", "😀"),
        ("'\\x41\\n\\t\\\\\\''", "A\n\t\\'"),
        ("'line\\\ncontinued'", "linecontinued"),
        ("'\\q'", "q"),
    ],
)
def test_string_literal_value(raw: str, value: str) -> None:
    assert string_literal_value(raw) == value


def test_parse_export_clause_reads_every_name_form() -> None:
    source = "export { a, b as default, c as if, /* note */ d as 'e f', g as \"h\", // end\n };"
    start, end = source.index("{"), source.index("}") + 1

    specifiers = parse_export_clause(source, start, end, has_source=False)

    assert specifiers == [
        ClauseSpecifier("a", False, "a", source.index("a,")),
        ClauseSpecifier("b", False, "default", source.index("b as")),
        ClauseSpecifier("c", False, "if", source.index("c as")),
        ClauseSpecifier("d", False, "e f", source.index("d as")),
        ClauseSpecifier("g", False, "h", source.index("g as")),
    ]


def test_parse_export_clause_accepts_string_locals_only_with_from() -> None:
    source = "{ 'a b' as c, default as d }"

    with_from = parse_export_clause(source, 0, len(source), has_source=True)
    assert [s.local for s in with_from] == ["a b", "default"]
    with pytest.raises(ClauseSyntaxError):
        parse_export_clause(source, 0, len(source), has_source=False)


@pytest.mark.parametrize("clause", ["{ a b }", "{ a as }", "{ , a }", "{ a,, b }", "{ if }", "{ a", "a }"])
def test_parse_export_clause_rejects_malformed_clauses(clause: str) -> None:
    with pytest.raises(ClauseSyntaxError):
        parse_export_clause(clause, 0, len(clause), has_source=False)


def test_utf8_offsets_in_any_order() -> None:
    source = "aé😀b中c"
    data = source.encode("utf-8")
    to_char = Utf8Offsets(data)
    byte_offsets = {len(source[:i].encode("utf-8")): i for i in range(len(source) + 1)}

    for byte_offset in [8, 0, 3, 12, 1, 11, 7]:  # character boundaries, out of order
        assert to_char(byte_offset) == byte_offsets[byte_offset]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import x from './a.json' assert { type: 'json' };", "import x from './a.json' with   { type: 'json' };"),
        ("import \"./a.css\" assert {type:'css'}", "import \"./a.css\" with   {type:'css'}"),
        ("export { a } from './a.js' assert { type: 'json' }", "export { a } from './a.js' with   { type: 'json' }"),
        ("import x from './a.js'\nassert { a }", None),  # a line break ends the import
        ("assert({ ok: true });", None),
    ],
)
def test_with_import_attributes(source: str, expected: str | None) -> None:
    rewritten = with_import_attributes(source)

    assert rewritten == expected
    assert rewritten is None or len(rewritten) == len(source)
