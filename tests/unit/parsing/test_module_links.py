"""The links of a module's exports to other modules (ModuleLinks), as both backends report them."""

from __future__ import annotations

from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.call_values import Built, Guard
from codetracker.domain.export_graph import ImportBinding, ReExport
from codetracker.domain.extraction import extract_blob
from codetracker.parsing import get_parser
from codetracker.ports.parsing import ModuleParser

SOURCE = """\
import a, { b as c } from "./x.js";
import * as ns from "./n.js";
export * from "./s.js";
export * as q from "./q.js";
export { z as y, default as w } from "./z.js";
export { c, a as aa };
const k = 1;
export { k };
export const m = c;
export const made = factory(a);
export default glob;
export function f() {}
export class K {}
"""


def test_imports_re_exports_and_values(backend: ModuleParser) -> None:
    links = backend.parse(SOURCE).links

    assert links is not None
    assert links.functions == {"f"}
    assert links.imports == {
        "a": ImportBinding("a", "default", "./x.js"),
        "c": ImportBinding("c", "b", "./x.js"),
        "ns": ImportBinding("ns", "*", "./n.js"),
    }
    assert links.local_exports == {"c": "c", "aa": "a", "m": "c"}  # an alias of an import is followed
    assert links.re_exports == (
        ReExport("q", "*", "./q.js"),
        ReExport("y", "z", "./z.js"),
        ReExport("w", "default", "./z.js"),
    )
    assert links.star_specifiers == ("./s.js",)
    assert links.not_functions == {"k", "K"}
    assert links.unknown == {"default": "'glob' is not declared in the module (a global)"}
    made = ("call", ("ref", "factory"), (("ref", "a"),))
    assert links.built == {"made": Built(("factory",), "the value of a call: factory(…)", (("?",),), made)}
    assert links.values["k"] == ("val",) and links.values["m"] == ("ref", "c") and links.values["made"] == made
    assert links.values["f"] == ("fn", (), None, (), "function")  # None: it may end without a return
    exported = {"k": "k", "m": "m", "made": "made", "f": "f", "c": "c", "aa": "a", "default": "glob"}
    assert links.value_exports == exported  # each export of a binding: the local name it names


def test_backends_agree_on_links() -> None:
    esprima, tree_sitter = (get_parser(name).parse(SOURCE).links for name in ("esprima", "tree-sitter"))
    assert esprima == tree_sitter


def test_typescript_reports_links() -> None:
    source = 'import { g } from "./g";\nexport { h as i } from "./h";\nexport * from "./t";\nexport { g };\n'
    links = get_parser("tree-sitter").parse(source, dialect="typescript").links
    assert links is not None
    assert links.local_exports == {"g": "g"}
    assert links.re_exports == (ReExport("i", "h", "./h"),)
    assert links.star_specifiers == ("./t",)


def test_links_survive_the_blob_cache() -> None:
    extraction = extract_blob(SOURCE.encode(), get_parser("tree-sitter"))
    assert extraction.links is not None
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_a_local_bound_to_a_call_of_a_function_literal_is_built_undecided_until_its_callee_is(
    backend: ModuleParser,
) -> None:
    syntax = backend.parse("var add = _curry2(function add(a, b) {});\nexport default add;\n")
    links = syntax.links
    assert links is not None
    literal = ("fn", (("a", "a", None, False, None, False), ("b", "b", None, False, None, False)), None, (), "function")
    value = ("call", ("ref", "_curry2"), (literal,))
    assert links.built == {"default": Built(("_curry2",), "the value of a call: _curry2(…)", None, value)}
    assert not links.functions and not links.not_functions and not links.unknown
    assert [(e.local_name, [p.source for p in e.params]) for e in syntax.exports] == [("add", ["a", "b"])]


BUILT = """import _curry2 from "./_curry2.js";
export const inner = _curry1(_dispatchable([], x, function any(fn, list) {}));
export const isArray = Array.isArray || function _isArray(val) {};
export const either = ok ? _curry1(function (a) {}) : _curry2(function (a, b) {});
export const half = ok ? _curry1(function (a) {}) : 1;
export const flag = ok || function () {};
export const noLiteral = shuffler(random, 2, [], ...rest);
export const member = memo.wrap(function (x) {});
export default _curry2(function (a, b) {});
"""


def test_values_built_around_function_literals(backend: ModuleParser) -> None:
    syntax = backend.parse(BUILT)
    links = syntax.links
    assert links is not None
    assert {name: (b.callees, b.arguments) for name, b in links.built.items()} == {
        "inner": (("_curry1",), None),
        "isArray": ((), None),
        "either": (("_curry1", "_curry2"), None),
        "noLiteral": (("shuffler",), (("?",), ("num", 2.0), ("array", 0), ("?",))),
        "default": (("_curry2",), None),
        # no callee's rule takes these: the whole value is evaluated across files (call_evaluation.py)
        "member": ((), ()),
        "half": ((), ()),
        "flag": ((), ()),
    }
    assert links.built["noLiteral"].reason == "the value of a call: shuffler(…)"
    assert links.built["member"].reason == "the value of a call: memo.wrap(…)"
    assert links.built["half"].reason == links.built["flag"].reason == ""  # not undecided before either
    assert links.built["flag"].value == ("or", ("ref", "ok"), ("fn", (), None, (), "function"))
    assert not links.unknown and not links.not_functions
    settled = settle_built_functions({"m.js": extract_blob(BUILT.encode(), backend)})["m.js"].links
    assert settled is not None
    assert settled.unknown["member"] == "the value of a call: memo.wrap(…)"
    assert {"half", "flag"} <= settled.not_functions
    params = {e.exported_name: [p.source for p in e.params] for e in syntax.exports}
    assert params == {
        "inner": ["fn", "list"],
        "isArray": ["val"],
        "either": ["a"],
        "noLiteral": [],  # the function shuffler returns: filled in when decided (domain/built_functions.py)
        "default": ["a", "b"],
        "member": [],
        "half": [],
        "flag": [],
    }


FACTORIES = """import other from "./o.js";
export default function _curry2(fn) { return function f2(a, b) { return fn(a, b); }; }
export function arity(n, fn) {
  switch (n) { case 0: return function () {}; case 1: return (a) => fn(a); default: throw new Error("n"); }
}
export function viaCall(fn) { return other(fn); }
export const arrow = (fn) => (a) => fn(a);
export function inner(fn) { function wrapper() {} return wrapper; }
export function ternary(a) { return a ? function () {} : helper(); }
function helper() { return () => 1; }
export function fallsOff(n) { if (n) { return function () {}; } }
export function passesOn(fn) { return fn; }
export function callsItsParameter(fn) { return fn(); }
export function returnsValue() { return 1; }
export function ifElse(n) { if (n) return function () {}; else { throw n; } }
export { helper as h };
function convertToFP(fn, arity, curriedArgs = []) {
  return curriedArgs.length >= arity ? fn(...curriedArgs) : (...args) => convertToFP(fn, arity, args);
}
function unguarded(fn, x) { return isReady(x) ? fn() : () => 1; }
"""


def test_factories_are_functions_whose_every_return_is_a_function(backend: ModuleParser) -> None:
    links = backend.parse(FACTORIES).links
    assert links is not None
    assert {name: f.callees for name, f in links.factories.items()} == {
        "_curry2": (),
        "arity": (),
        "viaCall": ("other",),
        "arrow": (),
        "inner": (),
        "ternary": ("helper",),
        "helper": (),
        "ifElse": (),
        "convertToFP": (),
    }
    returned = {
        name: [p.source for p in f.params] if f.params is not None else None for name, f in links.factories.items()
    }
    assert returned == {
        "_curry2": ["a", "b"],
        "arity": None,  # several literals
        "viaCall": None,
        "arrow": ["a"],
        "inner": None,
        "ternary": None,
        "helper": [],
        "ifElse": [],
        "convertToFP": ["args"],
    }
    guard = links.factories["convertToFP"].guard
    assert guard == Guard(">=", ("len", 2), ("param", 1), False, (("?",), ("?",), ("array", 0)))
    assert all(f.guard is None for name, f in links.factories.items() if name != "convertToFP")
    assert links.factory_exports == {
        "default": "_curry2",
        "arity": "arity",
        "viaCall": "viaCall",
        "arrow": "arrow",
        "inner": "inner",
        "ternary": "ternary",
        "ifElse": "ifElse",
        "h": "helper",
    }


def test_built_links_survive_the_blob_cache() -> None:
    for source in (BUILT, FACTORIES):
        extraction = extract_blob(source.encode(), get_parser("esprima"))
        assert extraction.links is not None
        assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_commonjs_links_survive_the_blob_cache() -> None:
    source = 'var f = require("./f");\nexports.g = function g(a) {};\nmodule.exports.h = f;\n'
    extraction = extract_blob(source.encode(), get_parser("auto"))
    assert extraction.links is not None and extraction.links.commonjs and extraction.unread_reason is None
    assert [f.name for f in extraction.functions] == ["g"]
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction
    either = b"if (p) module.exports = require('./p.js');\nelse module.exports = require('./d.js');\n"
    extraction = extract_blob(either, get_parser("auto"))
    assert extraction.links is not None and extraction.links.alternatives == ("./p.js", "./d.js")
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_a_property_of_an_import_is_a_member_binding(backend: ModuleParser) -> None:
    # ES module wrappers of a CommonJS build (uuid, commander): `export const v1 = uuid.v1`, `export const {…} = m`.
    source = """import uuid from "./dist/index.js";
import * as ns from "./n.js";
export const v1 = uuid.v1;
export const { createCommand, program: main } = uuid;
export const f = ns.f;
const local = { g() {} };
export const g = local.g;
"""
    links = backend.parse(source).links
    assert links is not None
    assert links.imports["v1"] == ImportBinding("v1", "default", "./dist/index.js", "v1")
    assert links.imports["main"] == ImportBinding("main", "default", "./dist/index.js", "program")
    assert links.imports["f"] == ImportBinding("f", "*", "./n.js", "f")
    assert links.local_exports == {"v1": "v1", "createCommand": "createCommand", "main": "main", "f": "f"}
    assert links.built["g"].value == ("get", ("ref", "local"), "g")  # a local object's: evaluated
    extraction = extract_blob(source.encode(), backend)
    assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction
    settled = settle_built_functions({"m.js": extraction})["m.js"]
    assert [f.name for f in settled.functions] == ["g"]  # the object literal's method
