"""The links of a module's exports to other modules (ModuleLinks), as both backends report them."""

from __future__ import annotations

from codetracker.contracts import extraction_from_cache_json, extraction_to_cache_json
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
    assert links.unknown == {
        "made": "the value of a call: factory(…)",
        "default": "'glob' is not declared in the module (a global)",
    }


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
    assert extraction_from_cache_json(extraction_to_cache_json(extraction)) == extraction


def test_a_local_bound_to_a_call_is_undecided_not_a_value(backend: ModuleParser) -> None:
    links = backend.parse("var add = _curry2(function add(a, b) {});\nexport default add;\n").links
    assert links is not None
    assert links.unknown == {"default": "the value of a call: _curry2(…)"}
    assert not links.functions and not links.not_functions
