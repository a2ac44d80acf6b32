"""Module-level early errors: tree-sitter builds no error node for them, so the shared ExportCollector
raises ParseFailure, and auto hands the file to esprima, which rejects it too."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.domain.model import ParseFailure
from codetracker.parsing import get_parser

Read = Callable[[str], str]

# fixture, esprima's message, the line tree-sitter reports
EARLY_ERRORS = [
    ("early_error_duplicate_default.mjs", "Duplicate export 'default'", 6),
    ("early_error_redeclared_function.mjs", "Identifier 'f' has already been declared", 6),
    ("early_error_undeclared_export.mjs", "Export 'h' is not defined", 5),
    ("early_error_block_function_export.mjs", "Export 'blockFn' is not defined", 6),
    ("early_error_duplicate_params.mjs", "Strict mode function may not have duplicate parameter names", 3),
    ("early_error_duplicate_named_export.mjs", "Duplicate export 'x'", 5),
    ("early_error_import_redeclared.mjs", "Identifier 'a' has already been declared", 5),
]


@pytest.mark.parametrize(("fixture", "message", "line"), EARLY_ERRORS)
def test_tree_sitter_raises_module_early_errors(js_fixture: Read, fixture: str, message: str, line: int) -> None:
    with pytest.raises(ParseFailure) as failure:
        get_parser("tree-sitter").parse(js_fixture(fixture))

    assert failure.value.line == line
    assert failure.value.column is not None


@pytest.mark.parametrize(("fixture", "message", "line"), EARLY_ERRORS)
def test_auto_raises_the_esprima_failure_for_module_early_errors(
    js_fixture: Read, fixture: str, message: str, line: int
) -> None:
    source = js_fixture(fixture)
    with pytest.raises(ParseFailure) as from_esprima:
        get_parser("esprima").parse(source)

    with pytest.raises(ParseFailure) as from_auto:
        get_parser("auto").parse(source)

    assert from_esprima.value.message == message
    assert (from_auto.value.message, from_auto.value.line, from_auto.value.column) == (
        from_esprima.value.message,
        from_esprima.value.line,
        from_esprima.value.column,
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("export default 1;\nexport default class {}\n", "Duplicate export 'default'"),
        ("export default function f() {}\nexport { f as default };\n", "Duplicate export 'default'"),
        ("export * as ns from './a.js';\nexport const ns = 1;\n", "Duplicate export 'ns'"),
        ("export { a as b } from './a.js';\nexport class b {}\n", "Duplicate export 'b'"),
        ("const a = 1;\nexport { a as 'x', a as x };\n", "Duplicate export 'x'"),
        ("export const { a, b: [c] } = o;\nexport { c };\n", "Duplicate export 'c'"),
        ("var f;\nexport function f() {}\n", "Identifier 'f' has already been declared"),
        ("let x;\nvar x;\nexport {};\n", "Identifier 'x' has already been declared"),
        ("export class C {}\nfunction C() {}\n", "Identifier 'C' has already been declared"),
        ("import * as m from './m.js';\nconst { m } = o;\n", "Identifier 'm' has already been declared"),
        ("function a() {}\nfunction a() {}\nimport.meta.url;\n", "Identifier 'a' has already been declared"),
        ("export { Object };\n", "Export 'Object' is not defined"),
        ("try {} catch (e) {}\nexport { e };\n", "Export 'e' is not defined"),
        ("function outer() { var inner; }\nexport { inner };\n", "Export 'inner' is not defined"),
        ("class K { static { var s; } }\nexport { s };\n", "Export 's' is not defined"),
        ("export default function (a, a) {}\n", "Strict mode function may not have duplicate parameter names"),
        ("export const f = async ({ a }, ...a) => a;\n", "Strict mode function may not have duplicate parameter names"),
        ("function g(a, [b, a]) {}\nexport { g };\n", "Strict mode function may not have duplicate parameter names"),
    ],
)
def test_both_backends_reject_module_early_errors(source: str, message: str) -> None:
    with pytest.raises(ParseFailure):
        get_parser("tree-sitter").parse(source)
    with pytest.raises(ParseFailure) as from_esprima:
        get_parser("esprima").parse(source)

    with pytest.raises(ParseFailure) as from_auto:
        get_parser("auto").parse(source)

    assert from_esprima.value.message == message
    assert from_auto.value.message == message


@pytest.mark.parametrize(
    "source",
    [
        "var x = 1;\nvar x = function x() {};\nexport { x };\n",  # var + var may repeat
        "{ var q; }\nfor (var k in o) {}\nexport { q, k };\n",  # nested vars are module-scoped
        "import { a } from './a.js';\nexport { a, a as b };\n",
        "export default missing;\n",  # an expression: may name a global
        "export default function f() {}\nexport { f };\n",
        "export * from './a.js';\nexport * from './b.js';\n",
        "export function f(a) { var a; }\n",
        "export { later };\nfunction later(a, b) {}\n",
    ],
)
def test_valid_modules_are_not_flagged(source: str) -> None:
    from_tree_sitter = get_parser("tree-sitter").parse(source)

    assert from_tree_sitter.is_module
    assert from_tree_sitter == get_parser("esprima").parse(source) == get_parser("auto").parse(source)


@pytest.mark.parametrize("parser_name", ["tree-sitter", "esprima", "auto"])
def test_scripts_may_redeclare_functions(parser_name: str, js_fixture: Read) -> None:
    # Script (CommonJS) code has no module early errors: the file is simply not a module.
    for source in (
        "function f() {}\nfunction f() {}\nmodule.exports = f;\n",
        js_fixture("commonjs_redeclared.js"),
    ):
        result = get_parser(parser_name).parse(source)

        assert (result.is_module, result.exports) == (False, ())
