"""Functions built by calls, decided across files (domain/built_functions.py): a function only when every
callee is shown to return a function; otherwise the record is dropped and the export is unknown."""

from __future__ import annotations

from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.extraction import extract_blob
from codetracker.parsing import get_parser

FILES = {
    "internal/_curry2.js": "export default function _curry2(fn) { return function f2(a, b) { return fn(a, b); }; }\n",
    "internal/_arity.js": (
        "import _curry2 from './_curry2.js';\n"
        "export function loopA(fn) { return loopB(fn); }\n"
        "function loopB(fn) { return loopA(fn); }\n"
        "export function viaCurry(fn) { return _curry2(fn); }\n"
        "export function maybe(fn) { if (fn) { return function () {}; } }\n"
    ),
    "index.js": "export { default as _curry2 } from './internal/_curry2.js';\n",
    "add.js": (
        "import _curry2 from './internal/_curry2.js';\n"
        "/** Adds. */\nvar add = _curry2(function add(a, b) { return a + b; });\nexport default add;\n"
    ),
    "through.js": (
        "import { _curry2 } from './index.js';\nimport { viaCurry, loopA, maybe } from './internal/_arity.js';\n"
        "export const viaIndex = _curry2(function (a, b) {});\n"
        "export const viaFactoryOfFactory = viaCurry(function (a) {});\n"
        "export const cycle = loopA(function (a) {});\n"
        "export const fallsOff = maybe(function (a) {});\n"
        "export const isArray = Array.isArray || function (value) {};\n"
    ),
    "foreign.js": (
        "import memoize from 'memoize-one';\nimport make from './missing.js';\n"
        "export const fromPackage = memoize((x) => x);\nexport default make(function (y) {});\n"
        "export const global = curry(function (z) {});\n"
    ),
}


def _settled(backend: str):
    parser = get_parser(backend)
    extracted = {path: extract_blob(text.encode(), parser) for path, text in FILES.items()}
    return settle_built_functions(extracted)


def test_built_functions_are_decided_by_their_callees() -> None:
    for backend in ("tree-sitter", "esprima"):
        settled = _settled(backend)
        add = settled["add.js"]
        assert [(f.name, f.export_type, [p.name for p in f.parameters]) for f in add.functions] == [
            ("add", "default", ["a", "b"])
        ]
        assert add.links is not None and add.links.functions == {"default"} and not add.links.built
        assert add.functions[0].description == "Adds."

        through = settled["through.js"]
        assert [f.name for f in through.functions] == ["viaIndex", "viaFactoryOfFactory", "isArray"]
        assert through.links is not None
        assert through.links.unknown == {
            "cycle": "the value of a call: loopA(…)",
            "fallsOff": "the value of a call: maybe(…)",
        }

        foreign = settled["foreign.js"]
        assert foreign.functions == ()
        assert foreign.links is not None and set(foreign.links.unknown) == {"fromPackage", "default", "global"}
        assert foreign.links.unknown["default"] == "the value of a call: make(…)"


def test_a_scan_without_built_values_is_left_as_it_is() -> None:
    extracted = {"a.js": extract_blob(b"export function f(a) {}\n", get_parser("tree-sitter"))}
    assert settle_built_functions(extracted) == extracted


GUARDED = {
    "fp/_lib/convertToFP.js": (
        "export function convertToFP(fn, arity, curriedArgs = []) {\n"
        "  return curriedArgs.length >= arity\n"
        "    ? fn(...curriedArgs.slice(0, arity).reverse())\n"
        "    : (...args) => convertToFP(fn, arity, curriedArgs.concat(args));\n"
        "}\n"
    ),
    "shuffle.js": "export function shuffler(random) { return function shuffle(array, i0 = 0, i1) {}; }\n",
    "fp/add.js": (
        "import { add as fn } from '../add.js';\nimport { convertToFP } from './_lib/convertToFP.js';\n"
        "/**\n * Adds, curried.\n * @param {number} amount\n */\n"
        "export const add = convertToFP(fn, 2);\nexport default add;\n"
        "export const applied = convertToFP(fn, 0);\n"
        "export const unknownArity = convertToFP(fn, arity);\n"
        "export const curried = convertToFP(fn, 2, [1]);\n"
    ),
    "index.js": "import { shuffler } from './shuffle.js';\nexport default shuffler(Math.random);\n",
}


def test_a_call_with_no_literal_takes_the_function_its_callee_returns_when_shown() -> None:
    for backend in ("tree-sitter", "esprima"):
        parser = get_parser(backend)
        settled = settle_built_functions({p: extract_blob(t.encode(), parser) for p, t in GUARDED.items()})

        add = settled["fp/add.js"]
        shapes = [(f.name, f.export_type, [(p.name, p.is_rest) for p in f.parameters]) for f in add.functions]
        assert shapes == [("add", "named", [("args", True)]), ("add", "default", [("args", True)])]
        assert add.functions[0].description == "Adds, curried."
        assert add.links is not None
        assert set(add.links.unknown) == {"applied", "unknownArity", "curried"}  # 0 >= 0; not known; [1]: not read

        shuffle = settled["index.js"].functions
        assert [(f.name, [p.name for p in f.parameters]) for f in shuffle] == [("default", ["array", "i0", "i1"])]


def test_a_value_its_own_jsdoc_declares_a_function_is_one_where_the_calls_decide_nothing() -> None:
    # ramda: `var inc = add(1)` documented `@func` (a partial application of its curried add, which the calls
    # do not show); the same call undocumented stays unknown, and so does a `@func` in another block.
    files = {
        "curried.js": "import { curry } from 'elsewhere';\nexport const add = curry(function add(a, b) {});\n",
        "inc.js": (
            "import { add } from './curried.js';\n"
            "/**\n * Increments.\n * @func\n * @param {Number} n\n * @return {Number}\n */\n"
            "var inc = add(1);\nexport default inc;\n"
            "/** @function */\nexport const twice = add(2);\n"
            "export const dec = add(-1);\n"
            "/** Not a tag: @functional */\nexport const neg = add(-2);\n"
        ),
        "cjs.js": "var add = require('./curried.js').add;\n/** @method */\nexports.half = add(0.5);\n",
    }
    for backend in ("tree-sitter", "esprima"):
        parser = get_parser(backend)
        settled = settle_built_functions({path: extract_blob(text.encode(), parser) for path, text in files.items()})
        inc = settled["inc.js"]
        assert [(f.name, [p.name for p in f.parameters], f.params_from_doc) for f in inc.functions] == [
            ("inc", ["n"], True),
            ("twice", [], False),
        ]
        assert inc.links is not None and inc.links.functions == {"default", "twice"}
        assert set(inc.links.unknown) == {"dec", "neg"}
        assert settled["curried.js"].links is not None and set(settled["curried.js"].links.unknown) == {"add"}
        assert [f.name for f in settled["cjs.js"].functions] == ["half"]
