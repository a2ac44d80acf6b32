"""Parameters from JSDoc when the code does not show them: a body reading `arguments`, a value built by a
call (issue 20 item 3). Both backends must agree."""

from __future__ import annotations

from codetracker.domain.functions import build_functions
from codetracker.domain.model import ExportedFunction
from codetracker.ports.parsing import ModuleParser

SOURCE = """
/**
 * Pipe.
 * @param {...Function} functions the functions
 * @return {Function}
 */
export default function pipe() { if (arguments.length === 0) throw new Error(); return 1; }
/**
 * @param {object} element
 * @param {object} [props]
 * @param {...any} children
 */
export function cloneElement(element) { return f.apply(null, arguments); }
/** @param {number} a
 * @param {number} b */
export function notArguments(a) { function inner() { return arguments; } return x.arguments + {arguments: 1}; }
/** @param {number} a
 * @param {number} b */
export const arrow = (a) => g(...arguments);
/** @type {(a: number, b?: string, ...rest: any[]) => boolean} */
export const typed = make();
/** @type {function(string, number=): boolean} */
export const closure = make2();
/** @type {(a: number) => void} */
export function written(x, y) {}
"""


def _functions(backend: ModuleParser) -> dict[str, ExportedFunction]:
    return {f.name: f for f in build_functions(backend.parse(SOURCE), "index.js")}


def _shape(function: ExportedFunction) -> list[tuple[str, bool, bool, str | None]]:
    return [(p.name, p.is_optional, p.is_rest, p.type) for p in function.parameters]


def test_a_body_reading_arguments_takes_the_documented_parameters(backend: ModuleParser) -> None:
    functions = _functions(backend)
    assert functions["pipe"].params_from_doc
    assert _shape(functions["pipe"]) == [("functions", False, True, "...Function")]
    assert functions["pipe"].parameters[0].description == "the functions"
    clone = functions["cloneElement"]
    assert clone.params_from_doc
    assert _shape(clone) == [
        ("element", False, False, "object"),
        ("props", True, False, "object"),
        ("children", False, True, "...any"),
    ]


def test_arguments_of_a_nested_function_or_a_property_are_not_the_functions_own(backend: ModuleParser) -> None:
    function = _functions(backend)["notArguments"]
    assert not function.params_from_doc
    assert [p.name for p in function.parameters] == ["a"]


def test_an_arrow_function_reads_its_enclosing_arguments(backend: ModuleParser) -> None:
    # At module level that is no function's `arguments`, but the arrow's code still does not show all.
    function = _functions(backend)["arrow"]
    assert function.params_from_doc
    assert [p.name for p in function.parameters] == ["a", "b"]


def test_a_typescript_type_signature_gives_parameters_and_return(backend: ModuleParser) -> None:
    function = _functions(backend)["typed"]
    assert function.params_from_doc
    assert _shape(function) == [
        ("a", False, False, "number"),
        ("b", True, False, "string"),
        ("rest", False, True, "any[]"),
    ]
    assert [(r.type, r.type_source) for r in function.return_values] == [("boolean", "jsdoc")]


def test_a_closure_type_signature_names_parameters_by_position(backend: ModuleParser) -> None:
    function = _functions(backend)["closure"]
    assert function.params_from_doc
    assert _shape(function) == [("arg0", False, False, "string"), ("arg1", True, False, "number")]
    assert [r.type for r in function.return_values] == ["boolean"]


def test_the_code_parameters_win_when_known(backend: ModuleParser) -> None:
    function = _functions(backend)["written"]
    assert not function.params_from_doc
    assert [p.name for p in function.parameters] == ["x", "y"]


def test_a_type_signature_of_a_body_reading_arguments(backend: ModuleParser) -> None:
    source = (
        "/** @type {(first: string, ...more: string[]) => string} */\n"
        "export function join() { return [].join.call(arguments); }\n"
    )
    (function,) = build_functions(backend.parse(source), "join.js")
    assert function.params_from_doc
    assert [(p.name, p.is_rest) for p in function.parameters] == [("first", False), ("more", True)]
    assert [r.type for r in function.return_values] == ["string"]


def test_no_documented_parameters_leaves_the_code_ones(backend: ModuleParser) -> None:
    source = "/** Joins. */\nexport function join(a) { return [].join.call(arguments); }\n"
    (function,) = build_functions(backend.parse(source), "join.js")
    assert not function.params_from_doc
    assert [p.name for p in function.parameters] == ["a"]
