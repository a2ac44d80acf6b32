"""Declaration files (.d.ts) as a type source for JavaScript without JSDoc types (issue 21)."""

from __future__ import annotations

import json

from codetracker.parsing.extractor import ParserExtractor
from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain.declarations import declaration_paths
from codetracker.domain.selection import SelectionOptions
from codetracker.parsing import get_parser
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree


def test_the_declaration_beside_a_file_then_the_package_s():
    manifests = {
        "": {"main": "lib/index", "types": "types/index.d.ts"},
        "packages/a": {"exports": {".": {"types": "./dist/a.d.mts", "import": "./dist/a.mjs"}}},
        "packages/b": {"typings": "../outside.d.ts", "main": "b.js"},
    }
    found = declaration_paths(
        ["lib/index.js", "lib/util.js", "src/x.mjs", "packages/a/dist/a.mjs", "packages/b/b.js", "v.jsx"],
        ["types/index.d.ts", "src/x.d.mts", "lib/util.d.ts", "packages/a/dist/a.d.mts", "outside.d.ts", "v.d.ts"],
        manifests,
    )
    assert found == {
        "lib/index.js": "types/index.d.ts",
        "lib/util.js": "lib/util.d.ts",
        "src/x.mjs": "src/x.d.mts",
        "packages/a/dist/a.mjs": "packages/a/dist/a.d.mts",
        "v.jsx": "v.d.ts",
    }


FILES = {
    "package.json": json.dumps({"name": "p", "main": "index.js", "types": "index.d.ts"}).encode(),
    "index.js": (
        b"/** Paints.\n * @param {string} color the color\n */\n"
        b"export function paint(color, opacity, ...rest) {}\n"
        b"export default function run(task) { return task; }\n"
        b"export function untyped(x) {}\n"
    ),
    "index.d.ts": (
        b"export declare function paint(color: Color, opacity?: number, ...rest: string[]): Canvas;\n"
        b"declare function run<T>(task: () => T): Promise<T>;\nexport default run;\n"
        b"export type Color = string;\n"
    ),
    "lib/other.d.ts": b"export declare function nothing(): void;\n",
}


def test_javascript_takes_the_types_jsdoc_does_not_give_from_its_declaration():
    tree = MemoryTree(FILES)
    cache = MemoryBlobCache()
    result = extract_tree(
        ExtractTreeRequest(tree, "p", options=SelectionOptions()),
        ExtractionPorts(ParserExtractor(get_parser("auto")), cache=cache),
    )
    functions = {f.name: f for f in result.descriptor.functions}
    assert set(functions) == {"paint", "run", "untyped"}  # declaration files are no modules of their own
    paint = functions["paint"]
    assert [(p.name, p.type, p.type_source, p.is_optional) for p in paint.parameters] == [
        ("color", "string", "jsdoc", False),
        ("opacity", "number", "declaration", True),
        ("rest", "string[]", "declaration", False),
    ]
    assert [(r.type, r.type_source) for r in paint.return_values] == [("Canvas", "declaration")]
    run = functions["run"]
    assert (run.parameters[0].type, run.return_values[0].type, run.type_parameters) == ("() => T", "Promise<T>", "<T>")
    assert functions["untyped"].parameters[0].type is None
    assert "lib/other.d.ts" not in tree.reads  # describes no JavaScript file: never read
    assert result.stats.candidates == 1 and result.stats.parsed == 1
    # A rescan takes both files from the cache and gives the same types.
    again = MemoryTree(FILES)
    second = extract_tree(
        ExtractTreeRequest(again, "p", options=SelectionOptions()),
        ExtractionPorts(ParserExtractor(get_parser("auto")), cache=cache),
    )
    assert second.descriptor == result.descriptor and "index.d.ts" not in again.reads


def test_the_same_blob_is_cached_apart_as_javascript_and_as_typescript():
    source = b"export function f(a) {}\n"
    typed = b"export function f<T>(a) {}\n"  # TypeScript only
    cache = MemoryBlobCache()
    files = {"a.js": source, "b.ts": source, "c.ts": typed}
    first = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "m"), ExtractionPorts(ParserExtractor(get_parser("auto")), cache=cache)
    )
    assert [p.path for p in first.descriptor.problems] == []
    js_copy = extract_tree(
        ExtractTreeRequest(MemoryTree({"c.js": typed}), "m"),
        ExtractionPorts(ParserExtractor(get_parser("auto")), cache=cache),
    )
    assert [p.path for p in js_copy.descriptor.problems] == ["c.js"]  # parsed as JavaScript, not the .ts result
