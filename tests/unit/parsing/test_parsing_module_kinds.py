"""Which files are ES modules: CommonJS, UMD, IIFE bundles and sloppy scripts are not."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


@pytest.mark.parametrize("fixture", ["commonjs_module.js", "umd_bundle.js", "iife_bundle.js", "legacy_script.js"])
def test_non_modules_have_no_exports(backend: ModuleParser, js_fixture: Read, fixture: str) -> None:
    assert backend.parse(js_fixture(fixture)) == ModuleSyntax(is_module=False, exports=())


@pytest.mark.parametrize(
    "source",
    [
        "var await = 1;",  # `await` as a name: script only
        "var x = 010;",  # legacy octal: script only
        "with (Math) { max(1, 2); }",
        "function f(a, a) {}",
        "const load = () => import('./lazy.js');",  # dynamic import alone is not module syntax
        "'use strict'; module.exports = function () {};",
    ],
)
def test_scripts_are_not_modules(backend: ModuleParser, source: str) -> None:
    assert backend.parse(source) == ModuleSyntax(is_module=False, exports=())


@pytest.mark.parametrize(
    "source",
    [
        "import './side-effect.js';",
        "export {};",
        "export * from './x.js';",
        "import x from './a.json' with { type: 'json' };",
    ],
)
def test_import_or_export_declarations_make_a_module(backend: ModuleParser, source: str) -> None:
    assert backend.parse(source) == ModuleSyntax(is_module=True, exports=())


def test_import_meta_makes_a_module(backend: ModuleParser, js_fixture: Read) -> None:
    assert backend.parse(js_fixture("import_meta_only.mjs")).is_module


def test_import_meta_in_a_string_does_not(backend: ModuleParser) -> None:
    assert not backend.parse("const text = 'import.meta.url'; // import.meta").is_module


def test_modern_syntax(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("modern_syntax.mjs"))

    assert syntax.is_module
    assert [e.exported_name for e in syntax.exports] == ["get", "tryParse", "count"]
    get = syntax.exports[0]
    assert get.params[2].default_source == "obj?.defaults?.[path[0]] ?? null"


@pytest.mark.parametrize(
    "snippet",
    [
        "a?.b?.(c);",
        "a ?? b;",
        "a ??= 1; a ||= 2; a &&= 3;",
        "class A { x = 1; #y = 2; static z; static #w; get #g() { return 1; } m() { return #y in this; } }",
        "class A { static { A.ready = true; } }",
        "console.log(import.meta.url);",
        "await Promise.resolve();",
        "const r = /[^]/g;",
        "const r = /[\\p{L}--[a-z]]/v;",
        "const n = 1_000_000;",
        "const big = 123n ** 2n;",
        "try { f(); } catch { g(); }",
        "const x = 1, y = 2;\nexport { x as default, y as if };",
        "import x from './a.json' with { type: 'json' };",
    ],
)
def test_modern_syntax_parses_as_module_code(backend: ModuleParser, snippet: str) -> None:
    source = f"{snippet}\n/** Doc. */\nexport function marker(a = 1) {{}}\n"

    syntax = backend.parse(source)

    assert syntax.is_module
    assert [(e.exported_name, e.jsdoc_raw) for e in syntax.exports][-1] == ("marker", "/** Doc. */")


def test_hashbang_line(backend: ModuleParser, js_fixture: Read) -> None:
    (run,) = backend.parse(js_fixture("hashbang_cli.mjs")).exports

    assert (run.exported_name, run.local_name, run.is_async) == ("default", "run", True)
    assert run.jsdoc_raw is not None and run.jsdoc_raw.startswith("/**\n * Entry point of a CLI.")


def test_byte_order_mark(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("bom_module.js")
    assert source.startswith("\ufeff")

    (after_bom,) = backend.parse(source).exports

    assert after_bom.offset == source.index("export")
    assert after_bom.jsdoc_raw == "/** Starts with a byte order mark. */"


def test_legacy_import_assertions(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("import_assertions.mjs")

    syntax = backend.parse(source)

    assert syntax.is_module
    (version,) = syntax.exports
    assert version.offset == source.index("export function version")
    assert version.jsdoc_raw is not None and "The package version." in version.jsdoc_raw


def test_assert_outside_imports_is_not_rewritten(backend: ModuleParser) -> None:
    # A real syntax error that merely contains `assert {` must still fail.
    with pytest.raises(ParseFailure):
        backend.parse("import x from './x.js'\nassert { broken\nexport function f() {}\n")
