"""`codetracker extract` package by package: the descriptor's "packages" list, one row per package,
--package, --explain, and a tree without package.json exactly as before."""

from __future__ import annotations

import gc
import io
import json
import weakref

import pytest

from codetracker.contracts.descriptor import descriptor_from_dict, descriptor_to_dict
from codetracker.parsing.extractor import ParserExtractor
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.cli import main
from codetracker.parsing import get_parser
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree

JS = b"export function %s(a, b) { return a + b; }\n"


def _js(name: str) -> bytes:
    return JS % name.encode()


def _pkg(name: str, **fields) -> str:
    return json.dumps({"name": name, "version": "2.0.0", **fields})


def _by_package(files: dict[str, bytes] | MemoryTree, parser: str, cache=None):
    """extract_tree package by package, in memory."""
    tree = files if isinstance(files, MemoryTree) else MemoryTree(files)
    return extract_tree(
        ExtractTreeRequest(tree, "m", package_names=()),
        ExtractionPorts(ParserExtractor(get_parser(parser)), cache=cache),
    )


SVELTE_LIKE = {
    "package.json": json.dumps({"name": "monorepo", "private": True}),
    "pnpm-workspace.yaml": "packages:\n  - 'packages/*'\n  - 'playgrounds/*'\n",
    "packages/svelte/package.json": _pkg("svelte", files=["src", "!src/**/*.test.js"]),
    "packages/svelte/src/index.js": _js("mount"),
    "packages/svelte/src/internal/a.test.js": _js("testOnly"),
    "packages/svelte/tests/runtime/t.js": _js("fromTests"),
    "packages/svelte/scripts/build.js": _js("fromScripts"),
    "packages/kit/package.json": _pkg("@sveltejs/kit"),
    "packages/kit/src/exports/index.js": _js("redirect"),
    "packages/kit/test/apps/a.js": _js("fromKitTests"),
    "playgrounds/demo/package.json": _pkg("demo", private=True),
    "playgrounds/demo/main.js": _js("demoMain"),
    "benchmarking/run.js": _js("bench"),
}


@pytest.fixture
def svelte_like(tmp_path):
    root = tmp_path / "svelte"
    for path, text in SVELTE_LIKE.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(text if isinstance(text, bytes) else text.encode())
    return root


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_descriptor_lists_packages_and_only_published_functions(svelte_like):
    code, out, err = _run(["extract", str(svelte_like), "--json", "--parser", "esprima"])
    assert code == 0, err
    body = json.loads(out)
    assert [(f["file_path"], f["name"]) for f in body["functions"]] == [
        ("packages/kit/src/exports/index.js", "redirect"),
        ("packages/svelte/src/index.js", "mount"),
        ("playgrounds/demo/main.js", "demoMain"),
    ]
    packages = {p["name"]: p for p in body["packages"]}
    public_api = (
        "entry_points",
        "public_functions",
        "unknown_exports",
    )  # issue 20: tests/unit/domain/test_public_api.py
    assert {k: v for k, v in packages["@sveltejs/kit"].items() if k not in ("files", "excluded", *public_api)} == {
        "name": "@sveltejs/kit",
        "version": "2.0.0",
        "path": "packages/kit",
        "module_slug": "sveltejs-kit",
        "private": False,
    }
    assert packages["svelte"]["files"] == ["packages/svelte/package.json", "packages/svelte/src/index.js"]
    assert packages["demo"]["private"] is True
    excluded = {x["path"]: x["rule"] for x in packages["svelte"]["excluded"]}
    assert excluded == {
        "packages/svelte/scripts/build.js": "files",
        "packages/svelte/src/internal/a.test.js": "files",
        "packages/svelte/tests/runtime/t.js": "files",
    }
    assert {x["path"]: x["rule"] for x in packages["@sveltejs/kit"]["excluded"]} == {
        "packages/kit/test/apps/a.js": "test-convention"
    }
    # The descriptor still round-trips through the wire format.
    assert descriptor_to_dict(descriptor_from_dict(body)) == body


def test_one_row_per_package_and_package_filter(svelte_like):
    code, out, _ = _run(
        ["extract", str(svelte_like), "--parser", "esprima", "--package", "svelte", "--package", "demo"]
    )
    assert code == 0
    rows = [line.split() for line in out.splitlines() if line.startswith(("svelte ", "demo "))]
    assert rows == [
        ["svelte", "2.0.0", "packages/svelte", "svelte", "2", "1"],
        ["demo", "2.0.0", "playgrounds/demo", "demo", "private", "2", "1"],
    ]
    assert "redirect" not in out


def test_unknown_package_is_one_line_naming_the_flag(svelte_like):
    code, out, err = _run(["extract", str(svelte_like), "--package", "nope"])
    assert code == 2 and out == ""
    assert err == ("codetracker: error: no package named 'nope' (packages: @sveltejs/kit, demo, svelte) (--package)\n")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "packages/svelte/src/internal/a.test.js",
            "package 'svelte' (packages/svelte): excluded (files): package.json \"files\": '!src/**/*.test.js'",
        ),
        ("packages/svelte/src/index.js", "package 'svelte' (packages/svelte): published (files): package.json"),
        ("benchmarking/run.js", "in no package"),
        ("no/such.js", "no such file in the tree"),
    ],
)
def test_explain_names_the_rule(svelte_like, path, expected):
    code, out, _ = _run(["extract", str(svelte_like), "--explain", path])
    assert code == 0
    assert out.startswith(path + ": ") and expected in out
    assert out.count("\n") == 1


def test_a_tree_without_package_json_is_one_module_as_before():
    files = {"src/a.mjs": _js("a"), "test/t.mjs": _js("t")}
    whole = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"), ExtractionPorts(ParserExtractor(get_parser("esprima")))
    )
    by_package = _by_package(files, "esprima")
    assert by_package.descriptor == whole.descriptor
    assert by_package.packages is None
    assert "packages" not in descriptor_to_dict(by_package.descriptor)
    assert [f.name for f in whole.descriptor.functions] == ["a", "t"]


def test_package_mode_reads_only_published_files_and_reports_manifest_problems():
    files = {
        "package.json": _pkg("p", files=["src"]).encode(),
        "src/a.mjs": _js("a"),
        "test/t.mjs": _js("t"),
        "sub/package.json": b"{broken",
    }
    tree = MemoryTree(files)
    result = extract_tree(
        ExtractTreeRequest(tree, "m", package_names=()), ExtractionPorts(ParserExtractor(get_parser("esprima")))
    )
    assert [f.name for f in result.descriptor.functions] == ["a"]
    assert "test/t.mjs" not in tree.reads
    assert [(p.path, p.kind) for p in result.descriptor.problems] == [("sub/package.json", "skipped")]


def test_exports_resolve_into_a_nested_package_folder():
    # ramda: `es/package.json` holds only `"type": "module"`, yet `import 'ramda'` resolves to es/index.js
    files = {
        "package.json": _pkg("r", exports={".": {"import": "./es/index.js", "default": "./src/index.js"}}).encode(),
        "es/package.json": b'{"type": "module"}',
        "es/index.js": b"export { default as add } from './add.js';\n",
        "es/add.js": b"export default function add(a, b) { return a + b; }\n",
        "src/index.js": b"module.exports = {};\n",
    }
    result = _by_package(files, "esprima")
    root = next(p for p in result.descriptor.packages if p.path == "")
    assert [(e.subpath, e.file_path) for e in root.entry_points] == [(".", "es/index.js")]
    assert [(f.export_name, f.file_path, f.name) for f in root.public_functions] == [("add", "es/add.js", "add")]


CURRY2 = b"""function _curry2(fn) {
  return function f2(a, b) { return arguments.length < 2 ? f2 : fn(a, b); };
}
module.exports = _curry2;
"""
COMMONJS_PACKAGE = {
    "package.json": _pkg("r", main="./src/index.js", exports={".": "./src/index.js", "./src/*": "./src/*.js"}).encode(),
    "src/index.js": b'module.exports = {};\nmodule.exports.add = require("./add.js");\n'
    b'module.exports.helpers = require("./helpers.js");\nmodule.exports.VERSION = "1";\n',
    "src/internal/_curry2.js": CURRY2,
    "src/add.js": b'var _curry2 = require("./internal/_curry2.js");\n'
    b"/** Adds. @param {number} a @param {number} b */\n"
    b"var add = _curry2(function add(a, b) { return a + b; });\nmodule.exports = add;\n",
    "src/helpers.js": b"function trim(s) {}\nfunction pad(s, n) {}\nmodule.exports = { trim, pad };\n",
    # Under `"type": "module"` Node loads a .js file as an ES module: `module` is not defined there, no exports.
    "src/esm/package.json": b'{"type": "module"}',
    "src/esm/legacy.js": b"module.exports = function legacy() {};\n",
}


@pytest.mark.parametrize("parser", ["auto", "esprima"])
def test_a_commonjs_package_has_its_public_functions(parser):
    result = _by_package(COMMONJS_PACKAGE, parser)
    root = next(p for p in result.descriptor.packages if p.path == "")
    public = {(f.subpath, f.export_name): (f.file_path, f.name) for f in root.public_functions}
    assert public == {
        (".", "add"): ("src/add.js", "add"),  # built by _curry2, imported with require
        ("./src/index", "add"): ("src/add.js", "add"),
        ("./src/add", "default"): ("src/add.js", "add"),
        ("./src/helpers", "trim"): ("src/helpers.js", "trim"),  # module.exports = { … }: its names
        ("./src/helpers", "pad"): ("src/helpers.js", "pad"),
        ("./src/internal/_curry2", "default"): ("src/internal/_curry2.js", "_curry2"),
    }
    records = {(f.file_path, f.name): f for f in result.descriptor.functions}
    assert [p.name for p in records[("src/add.js", "add")].parameters] == ["a", "b"]
    assert ("src/esm/legacy.js", "legacy") in records  # a function of the file, reachable from no entry point
    assert not any(f.file_path == "src/esm/legacy.js" for f in root.public_functions)
    # `helpers` is an object (not a function), VERSION a string: neither is a public function nor unknown.
    assert [(u.subpath, u.export_name) for u in root.unknown_exports] == []


def test_an_es_module_wrapper_of_a_commonjs_build_reaches_its_functions():
    # commander's and uuid's layout: `import` resolves to a wrapper taking the names from module.exports.
    files = {
        "package.json": _pkg("c", exports={".": {"import": "./esm.mjs", "default": "./index.js"}}).encode(),
        "index.js": b"exports.createCommand = (name) => name;\nexports.program = {};\n",
        "esm.mjs": b"import commander from './index.js';\nexport const { createCommand, program } = commander;\n",
    }
    result = _by_package(files, "auto")
    root = next(p for p in result.descriptor.packages if p.path == "")
    assert [(f.export_name, f.file_path, f.name) for f in root.public_functions] == [
        ("createCommand", "index.js", "createCommand")
    ]
    assert root.unknown_exports == ()


def test_a_cjs_entry_point_is_read_as_commonjs_and_an_es_module_there_is_not_public():
    files = {
        "package.json": _pkg("d", exports={".": "./index.cjs", "./esm": "./esm.js"}, type="commonjs").encode(),
        "index.cjs": b"exports.parse = function parse(text, options) {};\n",
        # ES syntax in a .js file under "type": "commonjs": Node fails on `export`, so nothing is public
        "esm.js": b"export function shadow(a) {}\n",
    }
    result = _by_package(files, "auto")
    root = next(p for p in result.descriptor.packages if p.path == "")
    assert [(f.subpath, f.export_name, f.file_path) for f in root.public_functions] == [(".", "parse", "index.cjs")]
    assert {(f.file_path, f.name) for f in result.descriptor.functions} == {
        ("index.cjs", "parse"),
        ("esm.js", "shadow"),
    }


def _public_apis(files: dict[str, bytes] | MemoryTree, cache) -> dict[str, tuple]:
    packages = _by_package(files, "tree-sitter", cache).descriptor.packages or ()
    return {p.name: (p.entry_points, p.public_functions, p.unknown_exports) for p in packages}


def test_kept_public_apis_follow_every_input_that_decides_them():
    """A rescan in the same process reuses a package's public API only when nothing deciding it changed: each
    change below, made after a first scan with the same blob cache, gives the answer a cold scan gives. The
    last one changes no file of package `a`: what `a` exports is settled against a factory in `b`."""
    from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
    from codetracker.domain.package_files import clear_decisions_memo
    from codetracker.usecases.packages import _KEPT_PUBLIC_APIS, clear_public_api_memo

    def manifest(name: str, **fields) -> bytes:
        return _pkg(name, **fields).encode()

    base = {
        "package.json": manifest("root", private=True, workspaces=["packages/*"]),
        "packages/a/package.json": manifest("a", exports={".": "./src/index.js", "./es": "./es/index.js"}),
        "packages/a/src/index.js": b"export * from './more.js';\nexport { one } from './one.js';\n",
        "packages/a/src/one.js": _js("one"),
        "packages/a/src/built.js": b"import { make } from '../../b/src/factory.js';\nexport const built = make();\n",
        "packages/a/es/package.json": manifest("a-es", type="module"),
        "packages/a/es/index.js": _js("esOnly"),
        "packages/b/package.json": manifest("b", main="src/factory.js"),
        "packages/b/src/factory.js": b"export function make() { return function made(x) { return x; }; }\n",
    }
    base["packages/a/src/index.js"] += b"export { built } from './built.js';\n"
    changes = {
        "a module's content": {"packages/a/src/one.js": _js("two")},
        "a file added that a module re-exports": {"packages/a/src/more.js": _js("more")},
        "a file removed": {"packages/a/src/one.js": None},
        "the package's manifest": {"packages/a/package.json": manifest("a", exports={".": "./src/one.js"})},
        "a nested package's type": {"packages/a/es/package.json": manifest("a-es", type="commonjs")},
        "a factory in another package": {"packages/b/src/factory.js": b"export function make() { return 1; }\n"},
    }
    for what, edits in changes.items():
        changed = {**base, **{p: c for p, c in edits.items() if c is not None}}
        for path in [p for p, c in edits.items() if c is None]:
            del changed[path]
        clear_decisions_memo()
        clear_public_api_memo()
        cache = MemoryBlobCache()
        before = _public_apis(base, cache)
        warm = _public_apis(changed, cache)
        clear_decisions_memo()
        clear_public_api_memo()
        cold = _public_apis(changed, MemoryBlobCache())
        assert warm == cold, what
        assert warm["a"] != before["a"], f"{what}: the change should change package a's public API"
    # A rescan of an unchanged tree takes kept answers (b's here: a's module built.js is settled), and what is
    # kept holds no scan's tree.
    clear_public_api_memo()
    cache = MemoryBlobCache()
    tree = MemoryTree(base)
    first = _public_apis(tree, cache)
    assert _public_apis(base, cache) == first
    assert _KEPT_PUBLIC_APIS.hits == 1
    scanned = weakref.ref(tree)
    del tree
    gc.collect()
    assert scanned() is None


def test_package_by_package_the_ignore_rules_still_exclude_what_they_match(tmp_path):
    """Selection does not ask the ignore rules again of the files packages publish (their decisions applied
    them): .codetrackerignore and the registration's extra patterns still leave modules out, with the reason."""
    from codetracker.domain.selection import SelectionOptions

    files = {
        "package.json": _pkg("p").encode(),
        ".codetrackerignore": b"src/generated/\n",
        "src/index.js": _js("kept"),
        "src/generated/out.js": _js("generated"),
        "src/extra.js": _js("extra"),
        "src/types.d.ts": b"export declare function kept(a: number, b: number): number;\n",
        "src/hidden.d.ts": b"export declare function hidden(): void;\n",
        "src/vue.vue": b"<template/>",
        "src/generated/x.vue": b"<template/>",
    }
    result = extract_tree(
        ExtractTreeRequest(
            MemoryTree(files),
            "m",
            options=SelectionOptions(extra_ignore=("src/extra.js", "src/hidden.d.ts")),
            package_names=(),
        ),
        ExtractionPorts(ParserExtractor(get_parser("auto"))),
    )
    assert {f.name for f in result.descriptor.functions} == {"kept"}
    (package,) = result.descriptor.packages
    assert "src/generated/out.js" not in package.files and "src/extra.js" not in package.files
    excluded = {d.path: d.rule for d in package.excluded}
    assert excluded == {"src/generated/out.js": ".codetrackerignore", "src/extra.js": ".codetrackerignore"}
    assert result.stats.candidates == 1
    assert result.stats.unread_sources == {".vue": 1}  # the ignored folder's component is not counted
