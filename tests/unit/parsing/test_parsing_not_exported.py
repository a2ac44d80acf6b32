"""What is not an exported function of this file: nothing to report, on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import FileExtraction
from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


def _scanned(backend: ModuleParser, source: str) -> FileExtraction:
    """The file as a scan of it alone decides it: a value built by a call of a function that is not shown
    to return functions (a global, another package's) is no function (domain/built_functions.py)."""
    return settle_built_functions({"m.js": extract_blob(source.encode(), backend)})["m.js"]


def test_reexports_classes_values_and_imports_are_not_functions(backend: ModuleParser, js_fixture: Read) -> None:
    scanned = _scanned(backend, js_fixture("not_functions.js"))

    assert scanned.links is not None
    assert scanned.functions == ()


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
        "export const f = cond ? () => 1 : 2;",
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
    scanned = _scanned(backend, source)

    assert scanned.links is not None
    assert scanned.functions == ()


@pytest.mark.parametrize(
    "source",
    [
        "export const f = cond ? () => 1 : function (a) {};",
        "export const f = Object.assign || function (a) {};",
        "const make = (g) => function (a) { return g(a); };\nexport default make(function (a) {});",
    ],
)
def test_a_function_built_by_an_expression_of_this_file(backend: ModuleParser, source: str) -> None:
    scanned = _scanned(backend, source)

    assert [(f.name, [p.name for p in f.parameters]) for f in scanned.functions] in (
        [("f", [])],
        [("f", ["a"])],
        [("default", ["a"])],
    )


def test_one_function_exported_under_several_names(backend: ModuleParser) -> None:
    source = "export function f(a) {}\nexport { f as g, f as default };\n"

    syntax = backend.parse(source)

    assert [(e.exported_name, e.local_name, e.export_type) for e in syntax.exports] == [
        ("f", "f", "named"),
        ("g", "f", "named"),
        ("default", "f", "default"),
    ]
