"""Offsets are Python str indices (code points) on both backends, whatever the UTF-8 byte count."""

from __future__ import annotations

from collections.abc import Callable

from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


def test_non_ascii_source(backend: ModuleParser, js_fixture: Read) -> None:
    source = js_fixture("non_ascii.js")
    assert len(source.encode("utf-8")) > len(source)

    syntax = backend.parse(source)

    found = {e.exported_name: e for e in syntax.exports}
    assert list(found) == ["grüße", "ω", "default", "ünïcödé name"]
    assert found["grüße"].offset == source.index("export function grüße")
    assert found["ω"].offset == source.index("export const ω")
    assert found["default"].offset == source.index("𝑓 as default")
    assert found["ünïcödé name"].offset == source.index("𝑓 as 'ünïcödé name'")
    assert found["default"].local_name == "𝑓"
    assert [(p.source, p.default_source) for p in found["grüße"].params] == [
        ("名前", None),
        ("émoji", "'😀'"),
        ("{ ключ = 'значение' }", "{}"),
    ]
    assert found["ω"].jsdoc_raw == "/** Ω after astral chars 𝒳𝒴. */"


def test_offsets_after_astral_characters(backend: ModuleParser) -> None:
    source = "const s = '😀😀😀';\nexport function f(a = '😀') {}\n"

    (f,) = backend.parse(source).exports

    assert f.offset == 17 == source.index("export")
    assert f.params[0].default_source == "'😀'"


def test_crlf_line_endings(backend: ModuleParser) -> None:
    source = "/** Doc. */\r\nexport function f(\r\n  a,\r\n  b = 2\r\n) {}\r\n"

    (f,) = backend.parse(source).exports

    assert f.offset == source.index("export")
    assert f.jsdoc_raw == "/** Doc. */"
    assert [(p.source, p.default_source) for p in f.params] == [("a", None), ("b", "2")]
