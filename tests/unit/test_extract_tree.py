"""The extract use case over an in-memory tree: selection, skips, parse errors, the blob cache."""

from __future__ import annotations

import pytest

from codetracker.contracts.descriptor import descriptor_to_dict
from codetracker.adapters.memory_store.blob_cache import MemoryBlobCache
from codetracker.adapters.memory_tree import MemoryTree
from codetracker.domain.model import ProblemKind
from codetracker.domain.selection import SelectionOptions
from codetracker.parsing import get_parser
from codetracker.usecases.extract import ExtractionPorts, ExtractTreeRequest, extract_tree
from codetracker.parsing.extractor import ParserExtractor

GOOD = b"""/**
 * Adds.
 * @param {number} a first
 * @param {number} [b=1] second
 * @returns {number} the sum
 */
export function add(a, b = 1) { return a + b; }
export const half = (x) => x / 2;
"""

FILES = {
    ".codetrackerignore": b"generated/\n",
    "src/add.mjs": GOOD,
    "src/legacy.js": b"module.exports = function legacy() {};\nexports.x = 1;\n",
    "src/no-exports.js": b"import x from './y.js';\nx();\n",
    "src/broken.mjs": b"export function ok() {}\nexport const = ;\n",
    "src/binary.js": b"export\0\x01\x02",
    "src/big.mjs": b"export function big() {}\n" + b"//" + b"x" * 5000 + b"\n",
    "generated/out.mjs": b"export function generated() {}\n",
    "node_modules/dep/index.js": b"export function dep() {}\n",
    "types/index.d.ts": b"export declare function t(): void;\n",
    "README.md": b"# readme\n",
}


@pytest.fixture(params=["auto", "tree-sitter", "esprima"])
def parser(request):
    return get_parser(request.param)


def _extract(tree, parser, cache=None):
    return extract_tree(
        ExtractTreeRequest(tree, "demo", options=SelectionOptions(max_file_bytes=4096)),
        ExtractionPorts(ParserExtractor(parser), cache=cache),
    )


def test_extracts_selected_modules_and_records_problems(parser):
    result = _extract(MemoryTree(FILES), parser)
    d = result.descriptor
    assert [(f.file_path, f.name, f.order_in_file) for f in d.functions] == [
        ("src/add.mjs", "add", 0),
        ("src/add.mjs", "half", 1),
        ("src/legacy.js", "legacy", 0),  # CommonJS: module.exports, as Node's `import` gives it (`default`)
    ]
    add = d.functions[0]
    assert [(p.name, p.type, p.is_optional, p.default_value) for p in add.parameters] == [
        ("a", "number", False, None),
        ("b", "number", True, "1"),
    ]
    assert [(r.type, r.description) for r in add.return_values] == [("number", "the sum")]
    problems = {p.path: p for p in d.problems}
    assert set(problems) == {"src/big.mjs", "src/binary.js", "src/broken.mjs"}
    assert problems["src/big.mjs"].kind is ProblemKind.SKIPPED
    assert problems["src/binary.js"].kind is ProblemKind.SKIPPED
    broken = problems["src/broken.mjs"]
    assert broken.kind is ProblemKind.PARSE_ERROR and broken.line == 2 and broken.reason
    # The manifest keeps every file of the tree, ignored ones included.
    assert [e.path for e in d.files] == sorted(FILES)
    assert all(e.sha and len(e.sha) == 40 for e in d.files)


def test_ignored_and_non_module_files_are_never_read(parser):
    tree = MemoryTree(FILES)
    _extract(tree, parser)
    assert "generated/out.mjs" not in tree.reads
    assert "node_modules/dep/index.js" not in tree.reads
    assert "types/index.d.ts" not in tree.reads
    assert "src/big.mjs" not in tree.reads  # over the size cap: skipped from the manifest size


def test_rescan_with_warm_cache_reads_and_parses_nothing_new(parser):
    cache = MemoryBlobCache()
    first = _extract(MemoryTree(FILES), parser, cache)
    tree = MemoryTree(FILES)
    second = _extract(tree, parser, cache)
    assert descriptor_to_dict(second.descriptor) == descriptor_to_dict(first.descriptor)
    assert second.stats.parsed == 0
    assert second.stats.cache_hits == first.stats.candidates
    assert tree.reads == [".codetrackerignore"]


def test_changed_blob_is_parsed_again_and_cache_is_shared_across_paths(parser):
    cache = MemoryBlobCache()
    _extract(MemoryTree(FILES), parser, cache)
    changed = dict(FILES)
    changed["src/add.mjs"] = GOOD.replace(b"half", b"third")
    changed["lib/copy-of-add.mjs"] = GOOD  # same blob under another path: a cache hit
    result = _extract(MemoryTree(changed), parser, cache)
    assert result.stats.parsed == 1
    names = {(f.file_path, f.name) for f in result.descriptor.functions}
    assert ("src/add.mjs", "third") in names and ("lib/copy-of-add.mjs", "half") in names


def test_symlinked_module_is_skipped_not_followed(parser):
    tree = MemoryTree({"a.mjs": b"export function a() {}\n"}, symlinks={"b.mjs": "a.mjs"})
    d = _extract(tree, parser).descriptor
    assert [f.file_path for f in d.functions] == ["a.mjs"]
    assert [(p.path, p.kind) for p in d.problems] == [("b.mjs", ProblemKind.SKIPPED)]


class _LosingTree(MemoryTree):
    """A tree that lists a file it then cannot give (unreadable, or deleted since it was listed)."""

    def read_many(self, entries):
        return ((e, c) for e, c in super().read_many(entries) if e.path != "src/gone.mjs")


def test_file_that_cannot_be_read_is_recorded_and_the_scan_goes_on(parser):
    tree = _LosingTree({"src/gone.mjs": b"export function gone() {}\n", "src/ok.mjs": b"export function ok() {}\n"})
    d = _extract(tree, parser).descriptor
    assert [f.name for f in d.functions] == ["ok"]
    assert [(p.path, p.kind, p.reason) for p in d.problems] == [
        ("src/gone.mjs", ProblemKind.SKIPPED, "could not be read")
    ]


def test_bom_nul_bytes_and_non_utf8_content(parser):
    files = {
        "bom.mjs": b"\xef\xbb\xbfexport function withBom(a) {}\n",
        # past the 8 KB that decide "binary" (as git does): a NUL in a comment and a string
        "nul.mjs": b"//" + b"x" * 9000 + b"\n/** Has a \x00 NUL. */\nexport function withNul(p = '\x00') {}\n",
        "latin1.js": b"/** Caf\xe9. */\nexport function latin(x) {}\n",
    }
    d = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "demo"), ExtractionPorts(ParserExtractor(parser))
    ).descriptor  # default size cap
    by_name = {f.name: f for f in d.functions}
    assert set(by_name) == {"withBom", "withNul", "latin"}
    assert "\0" not in by_name["withNul"].jsdoc_raw and "\ufffd" in by_name["withNul"].jsdoc_raw
    assert by_name["withNul"].parameters[0].default_value == "'\ufffd'"
    assert by_name["latin"].description == "Caf\ufffd."
    assert d.problems == ()


def test_functions_at_changes_only_the_path():
    from dataclasses import replace

    from codetracker.domain.extraction import extract_blob, functions_at

    extraction = extract_blob(GOOD.replace(b"export function", b"export async function"), get_parser("auto"))
    assert extraction.functions and all(f.file_path == "" for f in extraction.functions)
    assert functions_at(extraction, "lib/x.mjs") == tuple(
        replace(f, file_path="lib/x.mjs") for f in extraction.functions
    )


def test_cache_encoding_round_trips_every_field():
    from codetracker.contracts.cache_encoding import extraction_from_cache_text, extraction_to_cache_text
    from codetracker.domain.extraction import extract_blob

    parser = get_parser("auto")
    for content in (
        GOOD,
        FILES["src/broken.mjs"],
        FILES["src/binary.js"],
        b"export default async (a = [1], ...b) => 1;",
    ):
        extraction = extract_blob(content, parser)
        assert extraction_from_cache_text(extraction_to_cache_text(extraction)) == extraction


def test_what_the_source_could_not_read_is_recorded_unless_ignored():
    from codetracker.domain.model import ProblemKind, ScanProblem

    files = {".codetrackerignore": b"dist/\n", "a.mjs": b"export function a() {}\n"}
    walk_problems = (
        ScanProblem("locked/", ProblemKind.SKIPPED, "directory could not be read: permission denied"),
        ScanProblem("dist/", ProblemKind.SKIPPED, "directory could not be read: permission denied"),
        ScanProblem("dist/x.bin", ProblemKind.SKIPPED, "file could not be read: permission denied"),
    )
    d = extract_tree(
        ExtractTreeRequest(MemoryTree(files), "demo", source_problems=walk_problems),
        ExtractionPorts(ParserExtractor(get_parser("esprima"))),
    ).descriptor
    assert [(p.path, p.reason) for p in d.problems] == [("locked/", "directory could not be read: permission denied")]


BUILT = {
    "src/curry.js": b"export function curry(fn) { return function curried(a, b) { return fn(a, b); }; }\n",
    "src/add.js": b"import { curry } from './curry.js';\n"
    b"export const add = curry(function add(a, b) { return a + b; });\n",
    "src/made.js": b"import make from 'elsewhere';\nexport const made = make(function made(x) { return x; });\n",
}


def test_a_warm_whole_tree_rescan_decides_built_functions_as_the_cold_scan_did(parser):
    """Functions built by calls are decided after the cache, from every file's links: a rescan served by the
    cache (links read back from it) gives the same answer as the first scan."""
    cache = MemoryBlobCache()
    cold = descriptor_to_dict(_extract(MemoryTree(BUILT), parser, cache).descriptor)
    warm = descriptor_to_dict(_extract(MemoryTree(BUILT), parser, cache).descriptor)
    assert warm == cold
    names = {(f["file_path"], f["name"]) for f in cold["functions"]}
    assert ("src/add.js", "add") in names and ("src/made.js", "made") not in names
