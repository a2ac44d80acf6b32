"""Parse failures, the auto policy, the factory, and how the backends behave as process citizens."""

from __future__ import annotations

import gc
import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from codetracker.domain.model import ModuleSyntax, ParseFailure
from codetracker.errors import InvalidInput
from codetracker.parsing import PARSER_NAMES, get_parser
from codetracker.ports.parsing import ModuleParser

Read = Callable[[str], str]


def test_unparseable_file_fails_with_a_position(backend: ModuleParser, js_fixture: Read) -> None:
    with pytest.raises(ParseFailure) as failure:
        backend.parse(js_fixture("unparseable.js"))  # `export function broken(a, b {`

    # tree-sitter misses the ')' right after `b`; esprima stops at the `{` that follows.
    expected = {"tree-sitter": (1, 27, "missing ')'"), "esprima": (1, 28, "Unexpected token {")}
    assert (failure.value.line, failure.value.column, failure.value.message) == expected[backend.name]
    assert str(failure.value).startswith("line 1, column ")


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("export const a = 1;\nexport function (x) {}\n", 2, 16),
        ("export {};\nconst b = '😀😀'; 1 +;\n", 2, 19),  # UTF-16 units would say 21
    ],
)
def test_failure_positions_are_one_based_lines_and_zero_based_code_point_columns(
    source: str, line: int, column: int
) -> None:
    esprima = get_parser("esprima")

    with pytest.raises(ParseFailure) as failure:
        esprima.parse(source)

    assert (failure.value.line, failure.value.column) == (line, column)


def test_tree_sitter_positions_count_code_points() -> None:
    source = "const s = 1;\nexport function f(a = '日本語', b {}\n"

    with pytest.raises(ParseFailure) as failure:
        get_parser("tree-sitter").parse(source)

    # Right after `b`, where ')' is missing: column 30 in code points (36 in UTF-8 bytes).
    assert (failure.value.line, failure.value.column) == (2, 30)
    assert failure.value.message == "missing ')'"


@pytest.mark.parametrize("parser_name", ["tree-sitter", "esprima", "auto"])
def test_truncated_file_fails(parser_name: str) -> None:
    # tree-sitter cannot even build a program node here (its root is an ERROR node).
    source = "/** Doc. */\nexport default (function twice(x) { return x * 2"

    with pytest.raises(ParseFailure) as failure:
        get_parser(parser_name).parse(source)

    assert failure.value.line == 2


def test_module_failure_is_reported_when_the_script_parse_fails_too() -> None:
    # Invalid as a module (`export` of an undeclared name) and as a script (`export` at all).
    with pytest.raises(ParseFailure) as failure:
        get_parser("esprima").parse("export { missing };\n")

    assert "missing" in failure.value.message


def test_auto_uses_esprima_when_tree_sitter_cannot_parse() -> None:
    # A reserved word as an imported name: valid, but tree-sitter's grammar rejects it.
    source = "import { if as iff } from './m.js';\n/** Doc. */\nexport function f(a) {}\n"
    with pytest.raises(ParseFailure):
        get_parser("tree-sitter").parse(source)

    result = get_parser("auto").parse(source)

    assert result == get_parser("esprima").parse(source)
    assert [(e.exported_name, e.jsdoc_raw) for e in result.exports] == [("f", "/** Doc. */")]


@pytest.mark.parametrize(
    "source",
    [
        "export\nfunction f(a) {}\n",
        "export // why\nasync function f(a) {}\n",
        "let\ng = function (a) {};\nexport { g as f };\n",
        "let\u2028g = (a) => a;\nexport default g;\n",
    ],
)
def test_keyword_before_a_line_break_is_not_misread(source: str) -> None:
    # tree-sitter reads `export` or `let` + line break as a name and what follows as a separate
    # statement, with no error node: the backend must notice instead of dropping the function.
    with pytest.raises(ParseFailure):
        get_parser("tree-sitter").parse(source)

    (f,) = get_parser("auto").parse(source).exports

    assert f.exported_name in ("f", "default")
    assert f.params[0].source == "a"


def test_auto_raises_the_esprima_failure_when_both_fail(js_fixture: Read) -> None:
    source = js_fixture("unparseable.js")
    with pytest.raises(ParseFailure) as from_esprima:
        get_parser("esprima").parse(source)

    with pytest.raises(ParseFailure) as from_auto:
        get_parser("auto").parse(source)

    assert (from_auto.value.message, from_auto.value.line, from_auto.value.column) == (
        from_esprima.value.message,
        from_esprima.value.line,
        from_esprima.value.column,
    )


def test_auto_keeps_the_tree_sitter_result_for_reserved_word_export_aliases(js_fixture: Read) -> None:
    source = js_fixture("reserved_aliases.js")

    assert get_parser("auto").parse(source) == get_parser("tree-sitter").parse(source)


def test_auto_covers_an_esprima_gap() -> None:
    # esprima-fork rejects a multi-line template right after `throw` ("Illegal newline after throw");
    # the code is valid and tree-sitter reads it.
    source = "export function fail(t) {\n  throw `line one\nline two`;\n}\n"
    with pytest.raises(ParseFailure):
        get_parser("esprima").parse(source)

    (fail,) = get_parser("auto").parse(source).exports

    assert fail.exported_name == "fail"


def test_tree_sitter_is_more_lenient_than_the_language() -> None:
    # Documented divergence: JSX is not JavaScript; esprima rejects it, tree-sitter reads it.
    source = "export const App = (props) => <div>{props.title}</div>;\n"
    with pytest.raises(ParseFailure):
        get_parser("esprima").parse(source)

    (app,) = get_parser("auto").parse(source).exports

    assert app.exported_name == "App"


def test_get_parser_names_and_caching() -> None:
    for name in PARSER_NAMES:
        parser = get_parser(name)
        assert parser.name == name
        assert get_parser(name) is parser


def test_get_parser_rejects_unknown_names() -> None:
    with pytest.raises(InvalidInput) as error:
        get_parser("babel")

    assert error.value.field == "parser"


def test_heavy_parsers_are_imported_only_when_used() -> None:
    script = (
        "import sys\n"
        "from codetracker.parsing import get_parser\n"
        "assert 'tree_sitter' not in sys.modules and 'esprima' not in sys.modules\n"
        "auto = get_parser('auto')\n"
        "assert 'tree_sitter' in sys.modules and 'esprima' not in sys.modules\n"
        "auto.parse('export function f() {}')\n"
        "assert 'esprima' not in sys.modules\n"
        "auto.parse('import { if as x } from \"m\";')\n"
        "assert 'esprima' in sys.modules\n"
    )

    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("source", ["export function f() {}", "export function (", "with (a) {}"])
def test_esprima_restores_the_garbage_collector_state(source: str) -> None:
    esprima = get_parser("esprima")
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        try:
            esprima.parse(source)
        except ParseFailure:
            pass
        assert gc.isenabled()

        gc.disable()
        try:
            esprima.parse(source)
        except ParseFailure:
            pass
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_tree_sitter_parser_is_safe_across_threads(js_fixture: Read) -> None:
    parser = get_parser("tree-sitter")
    sources = [js_fixture(name) for name in ("lib_string_utils.js", "non_ascii.js", "export_forms.mjs")]
    expected = [parser.parse(source) for source in sources]
    results: dict[int, list[ModuleSyntax]] = {}

    def work(index: int) -> None:
        results[index] = [parser.parse(source) for source in sources * 20]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for found in results.values():
        assert found == expected * 20
