"""The export pre-filter (domain.selection.may_export) never hides an export statement from the parser.

A file the pre-filter rejects is not parsed, so a wrong "no" would lose exports silently. Checked against
tree-sitter's own reading: every generated export statement, in every form and with every separator the
grammar allows, passes; and any source the pre-filter rejects has no export statement in its tree.
"""

from __future__ import annotations

from pathlib import Path

import esprima
import tree_sitter
import tree_sitter_javascript
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from codetracker.domain.selection import may_export

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "js"
_PARSER = tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))

SEPARATORS = [" ", "\t", "\n", "\r\n", "\v", "\f", "\u00a0", "\u2028", "\u2029", "\ufeff", "\u3000",
              "/* c */", "/**/", "// c\n", ""]  # fmt: skip
BODIES = [
    "{ a }", "{a as b}", "{}", "{ a as default }", "* from 'm'", "* as ns from 'm'", "*from'm'",
    "default function () {}", "default function f() {}", "default 1", "default (a) => a", "default class {}",
    "function f() {}", "function* g() {}", "async function h() {}", "async function* i() {}",
    "class C {}", "const f = () => 1", "let x = 1", "var y = 2", "@dec class D {}",
]  # fmt: skip
NOISE = [
    "const a = 1;", "function b() { return a; }", "'export';", '"export"', "`export ${a}`", "x.export;",
    "({ export: 1 });", "/* export */", "// export\n", "exports.a = 1;", "module.exports = b;", "$export;",
    "reexport();", "a?.export();", "let exported = 2;", "\n", " ", "import c from 'c';", "{", "}", "(", ")",
    "export", "export:", "=", ";", "/", "*", "@", "default", "async", "class", "\\u0065xport", "é", "\u00a0",
]  # fmt: skip


def export_statements(source: bytes) -> int:
    """Export statements of a valid module; 0 for a source that is not one (nothing to lose there)."""
    root = _PARSER.parse(source).root_node
    if not root.has_error:
        return sum(1 for node in root.children if node.type == "export_statement")
    # tree-sitter's error recovery may invent one (`export:* from 'm'`): the reference parser decides
    try:
        program = esprima.parseModule(source.decode("utf-8", errors="replace"))
    except esprima.Error:
        return 0
    return sum(1 for node in program.body if node.type.startswith("Export"))


def test_every_fixture_with_an_export_statement_passes() -> None:
    checked = 0
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".js", ".mjs"):
            content = path.read_bytes()
            if export_statements(content):
                checked += 1
                assert may_export(content), path.name
    assert checked >= 10  # the fixtures are there


# Most noise makes no valid module, so most draws are filtered by design (only a source tree-sitter reads an
# export statement in counts): the filter health check failed a CI-like run at random (4 kept of 54).
@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    before=st.lists(st.sampled_from(NOISE), max_size=6),
    separator=st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=3),
    body=st.sampled_from(BODIES),
    after=st.lists(st.sampled_from(NOISE), max_size=6),
)
def test_an_export_statement_always_passes(before, separator, body, after) -> None:
    head = "".join(before)
    sep = "".join(separator)
    assume(sep.strip(" \t\n\r\v\f\u00a0\u2028\u2029\ufeff\u3000") or body[0] in "{*@")  # `exportfunction` is one word
    source = f"{head}\n;export{sep}{body};\n{''.join(after)}".encode()
    assume(export_statements(source))  # tree-sitter reads an export statement there
    assert may_export(source)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tokens=st.lists(st.sampled_from(NOISE + SEPARATORS + BODIES), max_size=14))
def test_a_rejected_source_has_no_export_statement(tokens) -> None:
    source = "".join(tokens).encode()
    if not may_export(source):
        assert export_statements(source) == 0, source
