"""What is not an exported function of this file: nothing to report, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


def test_reexports_classes_values_and_imports_are_not_functions(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("not_functions.js"))

    assert syntax.is_module
    assert syntax.exports == ()


@pytest.mark.parametrize(
    "fixture",
    ["lib_index_barrel.js", "export_default_value.js"],
)
def test_modules_without_function_exports(backend: ModuleParser, js_fixture: Read, fixture: str) -> None:
    syntax = backend.parse(js_fixture(fixture))

    assert syntax.is_module and syntax.exports == ()


def test_default_class_is_skipped_but_other_exports_remain(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("export_default_class.js"))

    assert [e.exported_name for e in syntax.exports] == ["make"]


@pytest.mark.parametrize(
    "source",
    [
        "export const f = memoize(() => 1);",
        "export const f = cond ? () => 1 : () => 2;",
        "export const f = (0, function () {});",
        "export default memoize(function () {});",
        "export default class {}",
        "export default { run() {} };",
        "import f from './f.js';\nexport { f };",
        "import f from './f.js';\nexport default f;",
        "export { f } from './f.js';",
        "export { default } from './f.js';",
        "export * as f from './f.js';",
        "var f = function () {};\nvar f = 1;\nexport { f };",
        "var f = () => 1;\nvar { f } = {};\nexport default f;",
        "let f;\nf = () => 1;\nexport { f };",
        "class f {}\nexport { f };",
        "export const { f } = { f() {} };",
        "{ function f() {} }\nexport {};",
    ],
)
def test_not_a_function_of_this_file(backend: ModuleParser, source: str) -> None:
    syntax = backend.parse(source)

    assert syntax.is_module
    assert syntax.exports == ()


def test_one_function_exported_under_several_names(backend: ModuleParser) -> None:
    source = "export function f(a) {}\nexport { f as g, f as default };\n"

    syntax = backend.parse(source)

    assert [(e.exported_name, e.local_name, e.export_type) for e in syntax.exports] == [
        ("f", "f", "named"),
        ("g", "f", "named"),
        ("default", "f", "default"),
    ]
