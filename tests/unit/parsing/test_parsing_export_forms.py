"""Every export form that makes an exported function, checked on both backends."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import FunctionExportSyntax, ModuleSyntax, ParseFailure
from codetracker.parsing import get_parser
from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


def by_name(syntax: ModuleSyntax) -> dict[str, FunctionExportSyntax]:
    found = {export.exported_name: export for export in syntax.exports}
    assert len(found) == len(syntax.exports)
    return found


def params_of(export: FunctionExportSyntax) -> list[tuple[str, str | None, str | None, bool]]:
    return [(p.source, p.identifier, p.default_source, p.is_rest) for p in export.params]


def test_declarations_and_bindings_in_source_order(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("export_forms.mjs"))

    assert syntax.is_module
    assert [e.exported_name for e in syntax.exports] == [
        "plain",
        "load",
        "range",
        "lines",
        "double",
        "triple",
        "fetchJson",
        "save",
        "ids",
        "first",
        "last",
        "wrapped",
        "doubleWrapped",
        "notAFunction",
        "default",
    ]  # fmt: skip  (notAFunction: built by a call, decided by a scan: domain/built_functions.py)
    offsets = [e.offset for e in syntax.exports]
    assert offsets == sorted(offsets)


def test_async_and_generator_flags(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("export_forms.mjs")))

    flags = {name: (e.is_async, e.is_generator) for name, e in exports.items()}
    assert flags["plain"] == (False, False)
    assert flags["load"] == (True, False)
    assert flags["range"] == (False, True)
    assert flags["lines"] == (True, True)
    assert flags["fetchJson"] == (True, False)
    assert flags["save"] == (True, False)
    assert flags["ids"] == (False, True)


def test_named_exports_use_the_binding_name(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("export_forms.mjs")))

    save = exports["save"]  # `export const save = async function save(…)`
    assert (save.exported_name, save.local_name, save.export_type) == ("save", "save", "named")
    double = exports["double"]
    assert (double.local_name, double.export_type) == ("double", "named")


def test_several_declarators_keep_only_functions(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("export_forms.mjs")
    exports = by_name(backend.parse(source))

    assert "VERSION" not in exports
    assert exports["notAFunction"].exported_name in syntax_built(backend, source)  # decided by a scan
    assert exports["first"].offset == exports["last"].offset == source.index("export const first")
    assert params_of(exports["last"]) == [("list", "list", None, False)]


def syntax_built(backend: ModuleParser, source: str) -> dict:
    links = backend.parse(source).links
    assert links is not None
    return dict(links.built)


def test_parameters_as_written(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("export_forms.mjs")))

    assert params_of(exports["plain"]) == [("a", "a", None, False), ("b", "b", None, False)]
    assert params_of(exports["load"]) == [
        ("url", "url", None, False),
        ("{ retries = 3, signal }", None, "{}", False),
    ]
    assert params_of(exports["range"])[2] == ("step", "step", "1", False)
    assert params_of(exports["fetchJson"]) == [("url", "url", None, False), ("init", "init", None, True)]
    assert params_of(exports["save"])[1] == ("options", "options", "{ flush: true }", False)
    assert params_of(exports["ids"]) == []


def test_parameter_edge_cases(backend: ModuleParser) -> None:
    source = (
        "export function f(a, b = (1), {c, d: [e]} = {}, [g] = /* why */ [2], h = `x${a}`, ...[i, j]) {}\n"
        "export const k = x => x;\n"
        "export const m = async y => y;\n"
        "export function n(undefined, async, of, /* note */ get) {}\n"
    )
    exports = by_name(backend.parse(source))

    assert params_of(exports["f"]) == [
        ("a", "a", None, False),
        ("b", "b", "(1)", False),
        ("{c, d: [e]}", None, "{}", False),
        ("[g]", None, "[2]", False),
        ("h", "h", "`x${a}`", False),
        ("[i, j]", None, None, True),
    ]
    assert params_of(exports["k"]) == [("x", "x", None, False)]
    assert exports["m"].is_async and params_of(exports["m"]) == [("y", "y", None, False)]
    assert [p.identifier for p in exports["n"].params] == ["undefined", "async", "of", "get"]


def test_default_export_of_named_declaration(backend: ModuleParser, js_fixture: Read) -> None:
    main = by_name(backend.parse(js_fixture("export_forms.mjs")))["default"]

    assert (main.local_name, main.export_type) == ("main", "default")
    assert params_of(main) == [("argv", "argv", "process.argv.slice(2)", False)]


def test_default_export_of_anonymous_function(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("default_anonymous.js")))

    default = exports["default"]
    assert (default.local_name, default.export_type, default.is_async) == (None, "default", False)
    assert params_of(default)[1] == ("greeting", "greeting", "`Hello, ${name}!`", False)
    assert exports["named"].export_type == "named"


def test_default_export_of_async_arrow(backend: ModuleParser, js_fixture: Read) -> None:
    (default,) = backend.parse(js_fixture("default_async_arrow.mjs")).exports

    assert (default.exported_name, default.local_name, default.export_type) == ("default", None, "default")
    assert default.is_async and not default.is_generator
    assert params_of(default) == [
        ("request", "request", None, False),
        ("{ timeout = 1000 }", None, "config", False),
    ]


def test_default_export_of_generator_and_parenthesized_function(backend: ModuleParser, js_fixture: Read) -> None:
    (generator,) = backend.parse(js_fixture("default_generator.js")).exports
    (twice,) = backend.parse(js_fixture("default_parenthesized.js")).exports

    assert (generator.local_name, generator.is_generator) == (None, True)
    assert (twice.exported_name, twice.local_name, twice.export_type) == ("default", "twice", "default")


def test_default_export_of_local_function(backend: ModuleParser, js_fixture: Read) -> None:
    (default,) = backend.parse(js_fixture("default_local.mjs")).exports

    assert (default.exported_name, default.local_name) == ("default", "format")
    assert default.export_type == "default"
    assert params_of(default)[1] == ("{ locale = 'en-US' }", None, "{}", False)
    assert default.jsdoc_raw is not None and "Formats a value." in default.jsdoc_raw


def test_export_lists_resolve_local_functions(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("export_lists.js")
    syntax = backend.parse(source)

    found = [(e.exported_name, e.local_name, e.export_type) for e in syntax.exports]
    assert found == [
        ("clamp", "clamp", "named"),
        ("mix", "lerp", "named"),
        ("default", "inverseLerp", "default"),
        ("if", "noop", "named"),
        ("no-op", "noop", "named"),
        ("class", "clamp", "named"),
    ]
    mix = by_name(syntax)["mix"]
    assert mix.offset == source.index("lerp as mix")  # the specifier, not the statement


def test_reserved_words_after_as(backend: ModuleParser, js_fixture: Read) -> None:
    syntax = backend.parse(js_fixture("reserved_aliases.js"))

    found = [(e.exported_name, e.local_name, e.export_type) for e in syntax.exports]
    assert found == [
        ("default", "x", "default"),
        ("if", "y", "named"),
        ("function", "z", "named"),
        ("new", "z", "named"),
        ("string name", "z", "named"),
    ]


def test_reserved_word_aliases_inline(backend: ModuleParser) -> None:
    source = "const x = () => 1, y = async () => 2;\nexport { x as default, y as if };\n"

    exports = by_name(backend.parse(source))

    assert exports["default"].local_name == "x" and exports["default"].export_type == "default"
    assert exports["if"].local_name == "y" and exports["if"].is_async


def test_string_export_names_are_decoded(backend: ModuleParser) -> None:
    source = "function f() {}\nexport { f as 'a\\u0062c', f as \"tab\\there\" };\n"

    assert [e.exported_name for e in backend.parse(source).exports] == ["abc", "tab\there"]


def test_realistic_utility_library(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("lib_string_utils.js")))

    assert sorted(exports) == ["camelCase", "default", "pad", "trim", "truncate", "upperFirst", "words"]
    assert exports["default"].local_name == "camelCase"
    assert params_of(exports["pad"]) == [
        ("string", "string", "''", False),
        ("length", "length", "0", False),
        ("chars", "chars", "' '", False),
    ]
    assert exports["words"].jsdoc_raw is not None and exports["words"].jsdoc_raw.startswith(
        "/**\n * Splits `string` into an array of its words."
    )


def test_realistic_modules(backend: ModuleParser, js_fixture: Read) -> None:
    dates = by_name(backend.parse(js_fixture("lib_date_utils.mjs")))
    client = by_name(backend.parse(js_fixture("lib_fetch_client.mjs")))
    validators = by_name(backend.parse(js_fixture("lib_validators.js")))
    emitter = by_name(backend.parse(js_fixture("lib_event_emitter.js")))

    assert list(dates) == ["addDays", "differenceInDays", "startOfDay", "format", "isValid", "eachDay"]
    assert dates["eachDay"].is_generator
    assert list(client) == ["request", "get", "post", "paginate", "default"]
    assert client["paginate"].is_async and client["paginate"].is_generator
    assert client["default"].local_name == "createClient"
    assert list(validators) == ["all", "isEmail", "isNumber", "isString"]  # not `schema as default`
    assert list(emitter) == ["once", "mixin"]  # the default export is a class


def test_unicode_escapes_in_names_are_decoded(backend: ModuleParser) -> None:
    source = "export function \\u0066oo(\\u{62}ar) {}\nconst q\\u0078 = () => 1;\nexport { q\\u0078 as r\\u0079 };\n"

    syntax = backend.parse(source)

    assert [(e.exported_name, e.local_name) for e in syntax.exports] == [("foo", "foo"), ("ry", "qx")]
    param = syntax.exports[0].params[0]
    assert (param.source, param.identifier) == ("\\u{62}ar", "bar")  # source verbatim, name decoded


# --- `export const parse = marked`: a binding initialised with a local function's name ----------------


def test_an_exported_alias_of_a_local_function_is_that_function(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("export_aliases.mjs")
    exports = by_name(backend.parse(source))

    assert list(exports) == ["parse", "render", "wrapped", "chained", "viaLet", "viaVar", "local", "default"]
    marked_doc = source[source.index("/**\n * Parses") : source.index("*/\nasync") + 2]
    parse = exports["parse"]
    assert (parse.local_name, parse.export_type, parse.is_async, parse.is_generator) == ("parse", "named", True, False)
    assert params_of(parse) == [("src", "src", None, False), ("options", "options", None, False)]
    assert parse.offset == source.index("export const parse =")
    # The declarator's own JSDoc wins, else the closest documented name along the chain, else the function's.
    assert parse.jsdoc_raw == marked_doc
    assert exports["render"].jsdoc_raw == "/** The alias's own block wins. */"
    assert exports["chained"].jsdoc_raw == marked_doc  # `const step = marked; export const chained = step`
    assert exports["viaLet"].jsdoc_raw == "/** Documented along the way. */"
    # let and var like const (top-level reassignment is not tracked); a function declared later counts too
    assert exports["viaVar"].is_generator and params_of(exports["viaVar"])[1] == ("rest", "rest", None, True)
    # an alias exported through a clause, or as the default, is the function too
    assert (exports["default"].local_name, exports["default"].jsdoc_raw) == ("local", marked_doc)


def test_aliases_of_anything_but_a_local_function_are_not_functions(backend: ModuleParser, js_fixture: Read) -> None:
    exports = by_name(backend.parse(js_fixture("export_aliases.mjs")))

    # an import, a value, an alias of a value, a cycle of aliases, an undeclared name
    assert not {"notAlias", "value", "constant", "cycle", "global"} & set(exports)


@pytest.mark.parametrize(
    "source",
    [
        "function marked(a) {}\nexport const parse = marked;\n",
        "function marked(a) {}\nexport { marked as parse };\n",
    ],
)
def test_an_exported_alias_reads_like_an_export_clause(backend: ModuleParser, source: str) -> None:
    (parse,) = backend.parse(source).exports

    assert (parse.exported_name, parse.export_type, params_of(parse)) == ("parse", "named", [("a", "a", None, False)])


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # bound twice: no known function, as for `export { f }`
        ("var f = function (a) {};\nvar f = 1;\nexport const g = f;\n", []),
        ("function f() {}\nexport const g = f, h = g;\n", ["g", "h"]),
        ("export const g = h, h = g;\n", []),
        ("export const g = g;\n", []),
        ("class C {}\nexport const g = C;\n", []),
        ("function f() {}\nexport const g = f.bind(null);\n", []),
    ],
)
def test_alias_edge_cases(backend: ModuleParser, source: str, expected: list[str]) -> None:
    # As a scan decides the file: `f.bind(null)` is a value built by a call, reported by the parse and
    # dropped when not shown to be a function (domain/built_functions.py).
    scanned = settle_built_functions({"m.js": extract_blob(source.encode(), backend)})["m.js"]
    assert [f.name for f in scanned.functions] == expected


def test_an_alias_counts_as_an_exported_name() -> None:
    source = "function marked() {}\nexport const parse = marked;\nexport { marked as parse };\n"
    for name in ("tree-sitter", "esprima"):
        with pytest.raises(ParseFailure, match="Duplicate export 'parse'"):
            get_parser(name).parse(source)
