"""Values built by calls, evaluated across files (domain/call_evaluation.py), on both backends: the forms
lodash-es, d3-array and chalk write their public functions in, and the ones that must stay undecided."""

from __future__ import annotations

import pytest

from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
from codetracker.domain.built_functions import settle_built_functions
from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import FileExtraction
from codetracker.parsing import get_parser

# lodash-es: `baseRest(function (array, values) {…})` returns `setToString(overRest(func, …), …)`;
# `setToString = shortOut(baseSetToString)` returns `arguments[0]` or what a closure's call returns, and its
# JSDoc says `@returns {Function}`. Node's fn.length is that of overRest's wrapper: 0.
LODASH = {
    "_overRest.js": (
        "function overRest(func, start, transform) {\n"
        "  start = Math.max(start === undefined ? (func.length - 1) : start, 0);\n"
        "  return function() { return func.apply(this, arguments); };\n"
        "}\nexport default overRest;\n"
    ),
    "_shortOut.js": (
        "var nativeNow = Date.now;\n"
        "function shortOut(func) {\n  var count = 0;\n"
        "  return function() {\n    if (++count >= 800) {\n      return arguments[0];\n    }\n"
        "    return func.apply(undefined, arguments);\n  };\n}\nexport default shortOut;\n"
    ),
    "_setToString.js": (
        "import shortOut from './_shortOut.js';\nimport baseSetToString from './_baseSetToString.js';\n"
        "/**\n * Sets the `toString` method of `func`.\n * @returns {Function} Returns `func`.\n */\n"
        "var setToString = shortOut(baseSetToString);\nexport default setToString;\n"
    ),
    "_baseSetToString.js": (
        "import defineProperty from './_defineProperty.js';\n"
        "var baseSetToString = !defineProperty ? identity : function(func, string) {\n"
        "  return defineProperty(func, 'toString', { value: string });\n};\n"
        "function identity(value) { return value; }\nexport default baseSetToString;\n"
    ),
    "_baseRest.js": (
        "import overRest from './_overRest.js';\nimport setToString from './_setToString.js';\n"
        "function baseRest(func, start) {\n  return setToString(overRest(func, start, identity), func + '');\n}\n"
        "export default baseRest;\n"
    ),
    "_castRest.js": "import baseRest from './_baseRest.js';\nvar castRest = baseRest;\nexport default castRest;\n",
    "_createCompounder.js": (
        "export default function createCompounder(callback) {\n"
        "  return function(string) { return callback('', string); };\n}\n"
    ),
    "_baseUnary.js": (
        "export default function baseUnary(func) {\n  return function(value) { return func(value); };\n}\n"
    ),
    "index.js": (
        "import baseRest from './_baseRest.js';\nimport castRest from './_castRest.js';\n"
        "import createCompounder from './_createCompounder.js';\nimport baseUnary from './_baseUnary.js';\n"
        "export var difference = baseRest(function(array, values) { return array; });\n"
        "export var overArgs = castRest(function(func, transforms) { return func; });\n"
        "export var camelCase = createCompounder(function(result, word, index) { return result + word; });\n"
        "var nodeIsMap = nodeUtil && nodeUtil.isMap;\n"
        "function baseIsMap(value) { return false; }\n"
        "export var isMap = nodeIsMap ? baseUnary(nodeIsMap) : baseIsMap;\n"
        "export var isArray = Array.isArray;\n"
        "export var isBuffer = nativeIsBuffer || baseIsMap;\n"
        "export var parse = JSON.parse.bind(JSON);\n"
    ),
}

# d3-array: a property of what a call returns, an object literal of functions its body declares.
D3 = {
    "bisector.js": (
        "export default function bisector(f) {\n  let compare1 = f;\n"
        "  function left(a, x, lo = 0, hi = a.length) { return lo; }\n"
        "  function right(a, x, lo = 0, hi = a.length) { return hi; }\n"
        "  return {left, right, center: (a, x) => 0, size: 2, 'other': 1 > 0};\n}\n"
    ),
    "counts.js": "export default function counts(f) {\n  return {left: () => 1, ...extra, [f]: 1};\n}\n",
    "bisect.js": (
        "import bisector from './bisector.js';\nimport counts from './counts.js';\n"
        "const ascendingBisect = bisector(ascending);\n"
        "export const bisectRight = ascendingBisect.right;\n"
        "export const bisectCenter = bisector(number).center;\n"
        "export const size = ascendingBisect.size;\n"
        "export const missing = ascendingBisect.nothing;\n"
        "export const spread = counts().left;\n"
        "export default bisectRight;\n"
    ),
}

# chalk: a factory returning the value of another, which returns a local `const` arrow it changes.
CHALK = {
    "index.js": (
        "const chalkFactory = options => {\n  const chalk = (...strings) => strings.join(' ');\n"
        "  Object.setPrototypeOf(chalk, createChalk.prototype);\n  return chalk;\n};\n"
        "function createChalk(options) {\n  return chalkFactory(options);\n}\n"
        "const chalk = createChalk();\nexport const chalkStderr = createChalk({level: 0});\n"
        "function reassigned() {\n  let made = () => 1;\n  made = 2;\n  return made;\n}\n"
        "function shadowed(createChalk) {\n  return createChalk();\n}\n"
        "function destructured({ fn }) {\n  return fn;\n}\n"
        "function mayFallOff(x) {\n  if (x) {\n    return () => 1;\n  }\n}\n"
        "function loop(n) {\n  return loop(n);\n}\n"
        "export const notFunction = reassigned();\nexport const viaParameter = shadowed(5);\n"
        "export const viaDestructured = destructured({ fn: () => 1 });\n"
        "export const maybe = mayFallOff(1);\nexport const endless = loop(1);\n"
        "export const passed = ((fn) => fn)(() => 1);\n"
        "async function later() {\n  return () => 1;\n}\nexport const promised = later();\n"
        "function* steps() {\n  return () => 1;\n}\nexport const iterator = steps();\n"
        "function outer(a) {\n  return ((b) => arguments[0])(() => 1);\n}\n"
        "export const outerArgument = outer(1);\nexport const outerFunction = outer(() => 2);\n"
        "function createErrorClass(createImpl) {\n  const ctorFunc = createImpl(1);\n"
        "  ctorFunc.prototype = Object.create(Error.prototype);\n  return ctorFunc;\n}\n"
        "export const EmptyError = createErrorClass((_super) => function EmptyErrorImpl() {});\n"
        "function makeOne() {\n  return () => 1;\n}\nlet current = makeOne;\nif (flag) {\n  current = 5;\n}\n"
        "export const viaReassigned = current();\nexport const viaOnce = makeOne();\n"
        "export default chalk;\n"
    ),
}


def _settled(files: dict[str, str], backend: str) -> dict[str, FileExtraction]:
    parser = get_parser(backend)
    return settle_built_functions({path: extract_blob(text.encode(), parser) for path, text in files.items()})


def _functions(extraction: FileExtraction) -> dict[str, list[str]]:
    return {f.name: [("..." if p.is_rest else "") + p.name for p in f.parameters] for f in extraction.functions}


@pytest.mark.parametrize("backend", ["tree-sitter", "esprima"])
def test_lodash_forms(backend: str) -> None:
    index = _settled(LODASH, backend)["index.js"]
    assert _functions(index) == {
        "difference": [],  # overRest's wrapper, through setToString's documented return and `arguments[0]`
        "overArgs": [],  # castRest is an alias of baseRest
        "camelCase": ["string"],  # the literal createCompounder returns, not its argument's (result, word, index)
        "isMap": ["value"],  # both sides: baseUnary's literal and baseIsMap, with the same parameters
        "isArray": [],  # a well-known built-in: its parameters are not known
    }
    assert index.links is not None
    # `nativeIsBuffer || …`: a global that may be anything truthy; `JSON.parse.bind(…)`: a call of a built-in
    assert index.links.unknown["parse"] == "the value of a call: JSON.parse.bind(…)"
    assert "isBuffer" in index.links.not_functions  # never taken for a function, as before


def test_documented_returns_are_needed_where_the_code_is_not_followed() -> None:
    files = dict(LODASH)
    files["_setToString.js"] = files["_setToString.js"].replace("@returns {Function}", "@returns {*}")
    index = _settled(files, "tree-sitter")["index.js"]
    assert "difference" not in _functions(index) and "overArgs" not in _functions(index)
    assert index.links is not None and index.links.unknown["difference"] == "the value of a call: baseRest(…)"


@pytest.mark.parametrize("backend", ["tree-sitter", "esprima"])
def test_d3_properties_of_a_call_value(backend: str) -> None:
    bisect = _settled(D3, backend)["bisect.js"]
    assert _functions(bisect) == {"bisectRight": ["a", "x", "lo", "hi"], "bisectCenter": ["a", "x"]}
    assert sorted(f.export_type for f in bisect.functions if f.name == "bisectRight") == ["default", "named"]
    assert bisect.links is not None
    # a number, a property the literal lacks (undefined), an object with a spread: none a function
    assert {"size", "missing", "spread"} <= bisect.links.not_functions


@pytest.mark.parametrize("backend", ["tree-sitter", "esprima"])
def test_chalk_factories_and_what_stays_undecided(backend: str) -> None:
    index = _settled(CHALK, backend)["index.js"]
    assert _functions(index) == {
        "chalkStderr": ["...strings"],
        "passed": [],
        "outerFunction": [],  # `arguments` in an arrow: its enclosing function's
        "viaOnce": [],
        "chalk": ["...strings"],
    }
    assert index.links is not None
    assert index.links.unknown == {
        "notFunction": "the value of a call: reassigned(…)",  # a `let` may be anything by then
        "viaParameter": "the value of a call: shadowed(…)",  # the parameter, not the module's createChalk
        "viaDestructured": "the value of a call: destructured(…)",
        "maybe": "the value of a call: mayFallOff(…)",
        "endless": "the value of a call: loop(…)",
        "promised": "the value of a call: later(…)",  # a promise
        "iterator": "the value of a call: steps(…)",
        "outerArgument": "the value of a call: outer(…)",
        "EmptyError": "the value of a call: createErrorClass(…)",  # a constructor being built
        "viaReassigned": "the value of a call: current(…)",  # assigned again at the top level
    }


def test_backends_agree_on_values() -> None:
    for files in (LODASH, D3, CHALK):
        for path, text in files.items():
            esprima, tree_sitter = (get_parser(name).parse(text).links for name in ("esprima", "tree-sitter"))
            assert esprima == tree_sitter, path


def test_values_survive_the_blob_cache() -> None:
    parser = get_parser("tree-sitter")
    for files in (LODASH, D3, CHALK):
        for text in files.values():
            extraction = extract_blob(text.encode(), parser)
            assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_cached_values_are_read_back_only_when_evaluated_and_settle_alike() -> None:
    """A rescan reads every module from the blob cache but evaluates the values of few: they are read back
    from their JSON texts on first use (CachedValues), and settling cached extractions gives what fresh ones give."""
    from codetracker.contracts.cache_encoding import CachedValues

    parser = get_parser("tree-sitter")
    for files in (LODASH, D3, CHALK):
        fresh = {path: extract_blob(text.encode(), parser) for path, text in files.items()}
        cached = {path: extraction_from_cache_text(extraction_to_cache_text(x)) for path, x in fresh.items()}
        with_values = [x.links for x in cached.values() if x.links and isinstance(x.links.values, CachedValues)]
        assert with_values, "the fixtures have values to evaluate"
        for links in with_values:
            assert links.values._texts is None and not links.values._read  # not even split by name yet
        assert settle_built_functions(cached) == settle_built_functions(fresh)
        # What was cached reads and writes as the same bytes, whether or not its values were read back.
        again = {path: extraction_to_cache_text(x) for path, x in cached.items()}
        assert again == {path: extraction_to_cache_text(x) for path, x in fresh.items()}


# TypeScript sources: the same rules, types and `as`/`satisfies`/`!` wrappers skipped, `this` no parameter.
TYPESCRIPT = {
    "factory.ts": (
        "export function createAction<T>(name: string): (this: void, payload: T, meta?: string) => T {\n"
        "  return function (this: void, payload: T, meta?: string): T { return payload; };\n}\n"
        "export async function later(): Promise<() => void> {\n  return () => {};\n}\n"
        "export function viaParameter(make: () => number) {\n  return make();\n}\n"
        "export function make() {\n  return () => 1;\n}\n"
    ),
    "index.ts": (
        "import { createAction, later } from './factory';\n"
        "export const add = createAction<number>('add') as Handler;\n"
        "export const remove = createAction<string>('remove')!;\n"
        "export const promised = later();\n"
        "export const assign: typeof Object.assign = Object.assign;\n"
        "import { viaParameter } from './factory';\nexport const made = viaParameter(() => 2);\n"
    ),
}


def test_typescript_sources_follow_the_same_rules() -> None:
    parser = get_parser("tree-sitter")
    extracted = {path: extract_blob(text.encode(), parser, "typescript") for path, text in TYPESCRIPT.items()}
    index = settle_built_functions(extracted)["index.ts"]
    assert {f.name: [(p.name, p.type, p.is_optional) for p in f.parameters] for f in index.functions} == {
        "add": [("payload", "T", False), ("meta", "string", True)],
        "remove": [("payload", "T", False), ("meta", "string", True)],
        "assign": [],
    }
    assert index.links is not None
    assert index.links.unknown == {
        "promised": "the value of a call: later(…)",
        "made": "the value of a call: viaParameter(…)",  # its parameter `make`, not the module's make()
    }


def test_self_references_and_long_chains_end() -> None:
    chain = "".join(f"const f{n + 1} = id(f{n});\n" for n in range(400))
    source = (
        "function id(x) {\n  return x;\n}\nconst f0 = () => 1;\n" + chain + "export const last = f400;\n"
        "export const first = f1;\nconst o = { f: o.f, g: o };\nexport const loop = o.g.g.g.f;\n"
        "function grow(x) {\n  return grow(grow(x));\n}\nexport const grown = grow(() => 1);\n"
    )
    for backend in ("tree-sitter", "esprima"):
        index = _settled({"index.js": source}, backend)["index.js"]
        assert _functions(index) == {"first": []}  # f400 is cut off by the bounds: unknown, not a crash
        assert index.links is not None
        assert index.links.unknown == {
            "grown": "the value of a call: grow(…)",
            "last": "the value of a call: id(…)",  # an alias of f400
        }
        assert "loop" in index.links.not_functions
