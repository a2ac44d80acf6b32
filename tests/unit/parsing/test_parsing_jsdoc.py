"""JSDoc attachment, identical on both backends (the rule lives once, in source_text)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]

EXPECTED = {
    "adjacent": "/** Adjacent JSDoc. */",
    "separatedByCode": None,
    "lineCommentBetween": "/** JSDoc, then a line comment. */",
    "twoBlocks": "/** The second block wins. */",
    "plainBlockAfter": "/** The JSDoc block. */",
    "emptyBlock": None,
    "banner": None,
    "plainOnly": None,
    "sameLine": "/** Same line. */",
    "noComment": None,
    "codeBetweenOnSameLine": None,
}


def test_attachment_cases(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("jsdoc_attachment.js"))

    assert {e.exported_name: e.jsdoc_raw for e in syntax.exports} == EXPECTED


def test_license_header_does_not_attach_to_the_first_function(backend: ModuleParser) -> None:
    source = "/*!\n * lib v1 | MIT\n */\nexport function first() {}\n"

    (first,) = backend.parse(source).exports

    assert first.jsdoc_raw is None


def test_license_header_written_as_jsdoc_is_shadowed_by_the_closer_block(backend: ModuleParser) -> None:
    source = "/**\n * @license MIT\n */\n\n/** Adds. */\nexport function add(a, b) {}\n"

    (add,) = backend.parse(source).exports

    assert add.jsdoc_raw == "/** Adds. */"


def test_export_list_prefers_the_local_declaration_comment(backend: ModuleParser) -> None:
    source = (
        "/** Local doc. */\nfunction documented() {}\n"
        "const bare = () => {};\n"
        "/** List doc. */\nexport { documented, bare };\n"
    )

    docs = {e.exported_name: e.jsdoc_raw for e in backend.parse(source).exports}

    assert docs == {"documented": "/** Local doc. */", "bare": "/** List doc. */"}


def test_comment_after_the_previous_statement_on_its_line_still_attaches(backend: ModuleParser) -> None:
    # Only comments and whitespace lie between it and the export: the rule takes it.
    source = "const a = 1; /** Trailing. */\nexport function f() {}\n"

    (f,) = backend.parse(source).exports

    assert f.jsdoc_raw == "/** Trailing. */"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("/** A */ /* b */ // c\nexport const f = () => {};", "/** A */"),
        ("/** A */\n;\nexport const f = () => {};", None),  # an empty statement is code
        ("/** A */\nexport /** B */ function f() {}", "/** A */"),
        ("/*** Stars. */\nexport function f() {}", None),
        ("/** A */\r\n\r\nexport function f() {}", "/** A */"),
        ("/**\u2028 * Odd break.\u2028 */\u2028export function f() {}", "/**\u2028 * Odd break.\u2028 */"),
    ],
)
def test_rule_edge_cases(backend: ModuleParser, source: str, expected: str | None) -> None:
    (f,) = backend.parse(source).exports

    assert f.jsdoc_raw == expected


def test_statements_ended_by_line_breaks(backend: ModuleParser, js_fixture: Read) -> None:
    # tree-sitter counts same-line trailing comments into a statement without semicolon; the
    # JSDoc run must still start right after the code.
    syntax = backend.parse(js_fixture("lib_no_semicolons.js"))

    docs = {e.exported_name: e.jsdoc_raw for e in syntax.exports}
    assert docs == {
        "compile": "/**\n * Compiles a template.\n * @param {string} template\n */",
        "render": "/** Renders at once. */",
        "count": "/** Counts renders. */",
        "default": "/** Renders at once. */",
    }


@pytest.mark.parametrize(
    "previous",
    ["foo()", "let b = function () {}", "export default () => {}", "x = y + z", "import a from 'a'"],
)
def test_trailing_comments_after_a_statement_without_semicolon(backend: ModuleParser, previous: str) -> None:
    source = f"{previous} /** Doc. */ // more\nexport function f() {{}}\n"

    f = next(e for e in backend.parse(source).exports if e.exported_name == "f")

    assert f.jsdoc_raw == "/** Doc. */"


# --- several declarators in one statement -------------------------------------------------------------


def test_a_block_before_a_declarator_list_belongs_to_its_first_declarator(
    backend: ModuleParser, js_fixture: Read
) -> None:
    # As TypeScript reads it: a @license banner before a bundle's `const` list is the first function's
    # at most, never every function's. A later declarator has JSDoc only when a block is written right
    # before it, after the comma; a block right after `const` beats the one before the statement.
    syntax = backend.parse(js_fixture("jsdoc_declarators.js"))

    assert {e.exported_name: e.jsdoc_raw for e in syntax.exports} == {
        "first": "/**\n * @license MIT\n * bundle v1.0.0\n */",
        "second": None,
        "third": "/** Own block after the comma. */",
        "named": "/** Right before the name wins. */",
        "unnamed": None,
        "local1": "/** Before the statement: the first declarator's. */",
        "local2": None,
        "y": None,
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("/** S */ export const f = () => {}, g = () => {};", {"f": "/** S */", "g": None}),
        ("/** S */ export let a = 1, f = () => {};", {"f": None}),
        ("/** S */ export var a = 1, /** F */ f = () => {};", {"f": "/** F */"}),
        ("/** S */ export const f = () => {}, /** G */\n// note\ng = () => {};", {"f": "/** S */", "g": "/** G */"}),
        ("export const f = () => {}, g = () => {} /** T */;", {"f": None, "g": None}),
        ("/** S */ const a = 1, f = () => {}; /** E */ export { f };", {"f": "/** E */"}),
        ("/** S */ const f = () => {}, g = 1; /** E */ export { f };", {"f": "/** S */"}),
    ],
)
def test_declarator_list_edge_cases(backend: ModuleParser, source: str, expected: dict) -> None:
    # An export list's own block stays the fallback of a local that has none.
    assert {e.exported_name: e.jsdoc_raw for e in backend.parse(source).exports} == expected
