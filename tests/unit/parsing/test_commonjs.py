"""CommonJS files as Node's `import` sees them (parsing/commonjs.py), each form on both backends: `default` is
module.exports, named exports are the names cjs-module-lexer detects, `require` binds an import."""

from __future__ import annotations

from dataclasses import replace

from codetracker.domain.call_values import Built
from codetracker.domain.export_graph import PROPERTY_DEFAULT, ImportBinding, ReExport
import pytest

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.ports.parsing import ModuleParser


def _read(backend: ModuleParser, source: str) -> ModuleSyntax:
    syntax = backend.parse_commonjs(source)  # type: ignore[attr-defined]
    assert not syntax.is_module  # never an ES module
    return syntax


def _exports(syntax: ModuleSyntax) -> list[tuple[str, str | None, str, list[str]]]:
    return [(e.exported_name, e.local_name, e.export_type, [p.source for p in e.params]) for e in syntax.exports]


def test_module_exports_of_a_function_is_the_default_export(backend: ModuleParser) -> None:
    syntax = _read(backend, "/** Adds. */\nmodule.exports = function add(a, b) { return a + b; };\n")
    assert _exports(syntax) == [("default", "add", "default", ["a", "b"])]
    assert syntax.exports[0].jsdoc_raw == "/** Adds. */"
    assert syntax.links is not None and syntax.links.commonjs and syntax.links.functions == {"default"}


def test_named_exports_by_assignment(backend: ModuleParser) -> None:
    source = """
exports.a = function (x) {};
module.exports.b = (y, z) => y;
exports["c"] = function c() {};
function d(w) {}
exports.d = d;
exports.n = 1;
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [
        ("a", "a", "named", ["x"]),
        ("b", "b", "named", ["y", "z"]),
        ("c", "c", "named", []),
        ("d", "d", "named", ["w"]),
    ]
    assert syntax.links is not None and syntax.links.not_functions == {"n"}


def test_object_literal_keys_are_named_exports_up_to_the_first_other_form(backend: ModuleParser) -> None:
    # The lexer reads `a`, `b: c`, `"d": e` and stops at `f: 1`: `g` is no named export of Node's.
    source = """
function a() {}
function c(x) {}
function e(x, y) {}
function g() {}
module.exports = { a, b: c, "d": e, f: 1, g };
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [("a", "a", "named", []), ("b", "c", "named", ["x"]), ("d", "e", "named", ["x", "y"])]
    links = syntax.links
    assert links is not None and "default" in links.not_functions  # an object is never a function
    assert "g" not in links.functions and "f" not in links.not_functions


def test_reexports(backend: ModuleParser) -> None:
    whole = _read(backend, 'module.exports = require("./x");\n').links
    assert whole is not None
    assert whole.re_exports == (ReExport("default", "default", "./x"),) and whole.star_specifiers == ("./x",)
    spread = _read(backend, 'module.exports = { ...require("./y"), a };\nfunction a() {}\n').links
    assert spread is not None and spread.star_specifiers == ("./y",) and spread.functions == {"a"}
    helper = _read(backend, 'tslib_1.__exportStar(require("./z"), exports);\n__export(require("./w"));\n').links
    assert helper is not None and helper.star_specifiers == ("./z", "./w")
    member = _read(backend, 'exports.f = require("./v").g;\nmodule.exports.h = require("./u");\n').links
    assert member is not None and member.re_exports == (ReExport("f", "g", "./v"), ReExport("h", "default", "./u"))


def test_require_binds_an_import_and_a_call_of_it_is_built(backend: ModuleParser) -> None:
    source = """
var _curry2 = /*#__PURE__*/require("./internal/_curry2.js");
var pick = require("./util").pick;
var add = /*#__PURE__*/_curry2(function add(a, b) { return a + b; });
module.exports = add;
"""
    links = _read(backend, source).links
    assert links is not None
    assert links.imports == {
        "_curry2": ImportBinding("_curry2", "default", "./internal/_curry2.js"),
        "pick": ImportBinding("pick", "pick", "./util"),
    }
    # the whole value beside (domain/call_evaluation.py): not what this test is about
    assert {k: replace(b, value=None) for k, b in links.built.items()} == {
        "default": Built(("_curry2",), "the value of a call: _curry2(…)")
    }


def test_define_property_with_a_value_or_a_getter_of_a_name(backend: ModuleParser) -> None:
    source = """
Object.defineProperty(exports, "__esModule", { value: true });
function f(a) {}
Object.defineProperty(exports, "f", { enumerable: true, get: function () { return f; } });
Object.defineProperty(exports, "g", { value: function g(b) {} });
Object.defineProperty(exports, "h", { enumerable: true, get: function () { return m.h; } });
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [("f", "f", "named", ["a"]), ("g", "g", "named", ["b"])]
    links = syntax.links
    assert links is not None and links.not_functions == {"__esModule"}
    assert links.unknown == {"h": "a property of 'm'"}  # m is no module this file requires


def test_transpiler_preamble_is_skipped_and_a_name_assigned_twice_is_undecided(backend: ModuleParser) -> None:
    source = """
exports.b = exports.a = void 0;
function a(x) {}
exports.a = a;
exports.c = function () {};
exports.c = 5;
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [("a", "a", "named", ["x"])]
    links = syntax.links
    assert links is not None and "b" not in links.not_functions and set(links.unknown) == {"c"}


def test_names_set_before_module_exports_is_replaced_and_module_exports_twice_are_undecided(
    backend: ModuleParser,
) -> None:
    source = "exports.a = function f() {};\nmodule.exports = 1;\nmodule.exports = g;\nmodule.exports.b = h;\n"
    syntax = _read(backend, source)
    links = syntax.links
    assert syntax.exports == () and links is not None
    assert links.unknown == {
        "default": "module.exports is assigned twice",
        "a": "assigned to the object module.exports is replaced by afterwards",
        "b": "'h' is not declared in the module (a global)",
    }
    # a name the new object literal gives again is its value there
    again = _read(backend, "exports.c = function () {};\nfunction c(x) {}\nmodule.exports = { c };\n")
    assert _exports(again) == [("c", "c", "named", ["x"])]


def test_the_body_of_a_umd_factory_is_read(backend: ModuleParser) -> None:
    source = """(function (global, factory) {
  typeof exports === 'object' && typeof module !== 'undefined' ? factory(exports) :
  (global = global || self, factory(global.R = {}));
}(this, (function (exports) { 'use strict';
  function _curry1(fn) { return function f1(a) { return fn(a); }; }
  /** Always. @param {*} val */
  var always = _curry1(function always(val) { return function () { return val; }; });
  var T = function T() { return true; };
  exports.T = T;
  exports.always = always;
  Object.defineProperty(exports, '__esModule', { value: true });
})));
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [("T", "T", "named", []), ("always", "always", "named", ["val"])]
    links = syntax.links
    assert links is not None
    assert {k: replace(b, value=None) for k, b in links.built.items()} == {
        "always": Built(("_curry1",), "the value of a call: _curry1(…)")
    }
    assert "_curry1" in links.factories


def test_a_minified_bundle_and_a_script_that_exports_nothing_are_no_modules(backend: ModuleParser) -> None:
    minified = '!function(t,n){"object"==typeof exports?n(exports):n(t.R={})}(this,function(t){t.add=1});'
    assert _read(backend, minified) == ModuleSyntax(is_module=False, exports=())
    assert _read(backend, 'require("./setup");\nfunction load() { module.exports = 1; }\nload();\n').links is None


def test_an_import_statement_is_no_commonjs(backend: ModuleParser) -> None:
    with pytest.raises(ParseFailure):
        backend.parse_commonjs("import * as p from './p.js';\nmodule.exports = p;\n")  # type: ignore[attr-defined]


def test_a_property_of_a_required_module_is_its_export(backend: ModuleParser) -> None:
    # TypeScript's and Rollup's CommonJS output: `exports.X = x.X`, and TypeScript's re-export getter.
    source = """
var composer = require("./compose/composer.js");
const util_1 = require("./util");
exports.Composer = composer.Composer;
Object.defineProperty(exports, "pad", { enumerable: true, get: function () { return util_1.pad; } });
exports.local = options.parse;
"""
    links = _read(backend, source).links
    assert links is not None
    assert links.re_exports == (
        ReExport("Composer", "Composer", "./compose/composer.js"),
        ReExport("pad", "pad", "./util"),
    )
    assert links.unknown == {"local": "a property of 'options'"}


def test_an_iife_body_and_the_branches_of_an_if_are_read(backend: ModuleParser) -> None:
    # classnames: `(function () { function classNames() {…} if (typeof module !== 'undefined' && module.exports)
    # { module.exports = classNames; } else { window.classNames = classNames; } }());`
    source = """(function () {
  'use strict';
  function classNames(a) { return a; }
  if (typeof module !== 'undefined' && module.exports) {
    classNames.default = classNames;
    module.exports = classNames;
  } else if (typeof define === 'function') {
    var ignored = 1;
  } else {
    window.classNames = classNames;
  }
}());
"""
    syntax = _read(backend, source)
    assert _exports(syntax) == [("default", "classNames", "default", ["a"])]
    # a UMD wrapper without an `exports` factory: `module.exports = factory()` of a parameter, undecided
    umd = "(function (root, factory) { if (typeof module === 'object') module.exports = factory(); })(this, f);"
    links = _read(backend, umd).links
    assert links is not None and set(links.built) == {"default"} and links.functions == frozenset()
    # both branches assign: undecided, unless each requires a module (alternatives, below)
    twice = "if (a) { module.exports = require('./a.js'); } else { module.exports = f; }"
    links = _read(backend, twice).links
    assert links is not None and set(links.unknown) == {"default"}


def test_a_declared_exports_or_module_is_not_the_module(backend: ModuleParser) -> None:
    shadowed = "(function () { var exports = {}; exports.a = function (x) {}; window.lib = exports; })();"
    assert _read(backend, shadowed) == ModuleSyntax(is_module=False, exports=())
    assert _read(backend, "var module = { exports: {} };\nmodule.exports.b = function () {};\n").links is None


def test_an_amd_module_is_not_commonjs(backend: ModuleParser) -> None:
    # underscore's amd/: Node has no `define`, so importing the file fails; its factory's `exports.f =` are no
    # module's exports.
    source = "define(['exports'], function (exports) {\n  function f(a) {}\n  exports.f = f;\n});\n"
    assert _read(backend, source) == ModuleSyntax(is_module=False, exports=())


def test_module_exports_required_in_each_branch_are_alternatives(backend: ModuleParser) -> None:
    # React's index.js; its development build's exports sit in an IIFE inside an if.
    index = """'use strict';
if (process.env.NODE_ENV === 'production') {
  module.exports = require('./cjs/react.production.min.js');
} else {
  module.exports = require('./cjs/react.development.js');
}
"""
    links = _read(backend, index).links
    assert links is not None and links.commonjs
    assert links.alternatives == ("./cjs/react.production.min.js", "./cjs/react.development.js")
    assert links.re_exports == () and links.star_specifiers == () and not links.unknown
    development = """'use strict';
if (process.env.NODE_ENV !== "production") {
  (function() {
    function useState(initialState) {}
    exports.useState = useState;
  })();
}
"""
    assert _exports(_read(backend, development)) == [("useState", "useState", "named", ["initialState"])]


def test_babel_output_exports_default_is_a_property_and_interop_requires_are_imports(backend: ModuleParser) -> None:
    # uuid's dist/: `exports.default = _default` is module.exports.default (not Node's default, module.exports);
    # `_interopRequireDefault(require("./v4.js"))` is the required module.exports, whose `.default` is read.
    v4 = """"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.default = void 0;
function v4(options, buf, offset) {}
var _default = v4;
exports.default = _default;
"""
    syntax = _read(backend, v4)
    assert _exports(syntax) == [(PROPERTY_DEFAULT, "_default", "named", ["options", "buf", "offset"])]
    index = """"use strict";
Object.defineProperty(exports, "v4", { enumerable: true, get: function () { return _v.default; } });
var _v = _interopRequireDefault(require("./v4.js"));
var _w = __importStar(require("./w.js"));
exports.w = _w.w;
exports.x = require("./x.js").default;
function _interopRequireDefault(obj) { return obj && obj.__esModule ? obj : { default: obj }; }
"""
    links = _read(backend, index).links
    assert links is not None
    assert links.imports["_v"] == ImportBinding("_v", "default", "./v4.js")
    assert links.re_exports == (
        ReExport("v4", PROPERTY_DEFAULT, "./v4.js"),
        ReExport("w", "w", "./w.js"),
        ReExport("x", PROPERTY_DEFAULT, "./x.js"),
    )
