"""TypeScript and TSX sources: exported functions with their annotated types (issue 21)."""

from __future__ import annotations

import pytest

from codetracker.domain.extraction import extract_blob
from codetracker.domain.model import ProblemKind
from codetracker.parsing import get_parser


def _extract(source: str, dialect: str = "typescript", parser: str = "auto"):
    return extract_blob(source.encode(), get_parser(parser), dialect)


def _functions(source: str, dialect: str = "typescript"):
    extraction = _extract(source, dialect)
    assert extraction.problem_kind is None, extraction.problem_reason
    return extraction.functions


def _signature(f):
    params = [(p.name, p.type, p.is_optional, p.is_rest, p.default_value) for p in f.parameters]
    return params, [r.type for r in f.return_values]


def test_parameters_carry_annotation_optionality_rest_and_defaults():
    (f,) = _functions("export function f(a: string, b?: number, c = 2, ...rest: Array<T>): void {}\n")
    assert _signature(f) == (
        [
            ("a", "string", False, False, None),
            ("b", "number", True, False, None),
            ("c", None, True, False, "2"),
            ("rest", "Array<T>", False, True, None),
        ],
        ["void"],
    )
    assert [p.type_source for p in f.parameters] == ["annotation", "annotation", None, "annotation"]


def test_this_parameter_is_not_a_parameter_of_the_call():
    (f,) = _functions("export function on(this: Window, type: string): void {}\n")
    assert [p.name for p in f.parameters] == ["type"]
    assert f.parameters[0].position == 0


def test_annotations_are_whitespace_normalised_and_comments_dropped():
    (f,) = _functions(
        "export function f(a: {\n  x: string; // the x\n  y: Map< string,number >;\n}): Promise<\n  void\n> {}\n"
    )
    assert _signature(f) == ([("a", "{ x: string; y: Map<string, number>; }", False, False, None)], ["Promise<void>"])


def test_type_parameters_are_recorded():
    (f,) = _functions("export function pick<T extends object, K extends keyof T>(o: T, k: K): T[K] {}\n")
    assert f.type_parameters == "<T extends object, K extends keyof T>"
    assert f.return_values[0].type == "T[K]"


def test_overload_signatures_are_the_api_and_the_implementation_is_not():
    (one, two) = _functions(
        "/** From a string. */\n"
        "export function parse(text: string): Node;\n"
        "/** From bytes. */\n"
        "export function parse(bytes: Uint8Array, offset?: number): Node;\n"
        "export function parse(input: any, offset = 0): Node { return input; }\n"
    )
    assert (one.name, one.overload, one.description) == ("parse", 1, "From a string.")
    assert (two.name, two.overload, two.description) == ("parse", 2, "From bytes.")
    assert _signature(two)[0] == [("bytes", "Uint8Array", False, False, None), ("offset", "number", True, False, None)]


def test_overloads_exported_through_a_clause_and_declared_ones():
    found = _functions(
        "function f(a: string): void;\nfunction f(a: number): void;\nfunction f(a: any) {}\nexport { f as g };\n"
        "export declare function h(a: 1): 1;\nexport declare function h(a: 2): 2;\n"
    )
    assert [(f.name, f.overload, f.parameters[0].type) for f in found] == [
        ("g", 1, "string"),
        ("g", 2, "number"),
        ("h", 1, "1"),
        ("h", 2, "2"),
    ]


def test_a_lone_declared_function_and_a_const_of_a_function_type():
    found = _functions("export declare function g(x: number): string;\nexport declare const q: (a: A, b?: B) => R;\n")
    assert [(f.name, f.overload, _signature(f)) for f in found] == [
        ("g", None, ([("x", "number", False, False, None)], ["string"])),
        ("q", None, ([("a", "A", False, False, None), ("b", "B", True, False, None)], ["R"])),
    ]


def test_arrow_consts_default_exports_and_wrapped_values():
    found = _functions(
        "export const add = async (a: number, b: number): Promise<number> => a + b;\n"
        "export const id = (<T,>(x: T): T => x) as Identity;\n"
        "export default function (req: Request): Response {}\n"
    )
    assert [(f.name, f.export_type, f.is_async) for f in found] == [
        ("add", "named", True),
        ("id", "named", False),
        ("default", "default", False),
    ]
    assert found[0].return_values[0].type == "Promise<number>"
    assert found[1].type_parameters == "<T,>"


def test_type_only_exports_are_counted_not_functions():
    extraction = _extract(
        "export type T = string;\nexport interface I { a: 1 }\nexport enum E { A }\nexport declare enum D { B }\n"
        "interface Local {}\nexport { type Q, Local };\nexport type { R, S } from './r';\n"
        "export function f(): void {}\n"
    )
    assert [f.name for f in extraction.functions] == ["f"]
    assert extraction.type_exports == 8


def test_export_equals_is_commonjs_and_not_read():
    extraction = _extract("declare function f(a: string): void;\nexport = f;\n")
    assert extraction.functions == () and extraction.unread_reason == "commonjs"


def test_annotation_wins_over_jsdoc_and_the_jsdoc_type_is_kept_beside_it():
    (f,) = _functions(
        "/**\n * Adds.\n * @param {number} a the first\n * @param b the second\n * @returns {number} the sum\n */\n"
        "export function add(a: bigint, b: bigint): bigint {}\n"
    )
    a, b = f.parameters
    assert (a.type, a.type_source, a.jsdoc_type, a.description) == ("bigint", "annotation", "number", "the first")
    assert (b.type, b.jsdoc_type, b.description) == ("bigint", None, "the second")
    (returned,) = f.return_values
    assert (returned.type, returned.type_source, returned.jsdoc_type, returned.description) == (
        "bigint",
        "annotation",
        "number",
        "the sum",
    )


def test_destructured_parameters_get_a_one_line_name_and_their_keys():
    (f,) = _functions("export function f({\n  a, // the a\n  b: { c } = {},\n  ...rest\n}: Options = {}) {}\n")
    (param,) = f.parameters
    assert param.name == "{ a, b: { c } = {}, ...rest }"
    assert param.keys == ("a", "b")
    assert param.type == "Options" and param.is_optional


def test_destructured_javascript_parameter_is_normalised_too():
    (f,) = extract_blob(
        b"export function f({\n  a, /* x */\n  'b-c': d,\n}, [e,\n f]) {}\n", get_parser("auto")
    ).functions
    assert [(p.name, p.keys) for p in f.parameters] == [("{ a, 'b-c': d }", ("a", "'b-c'")), ("[e, f]", ())]


def test_tsx_and_jsx_files_are_read():
    (component,) = _functions(
        "export function App({ title }: Props): JSX.Element { return <h1>{title}</h1>; }\n", "tsx"
    )
    assert (component.name, component.parameters[0].type) == ("App", "Props")
    jsx = extract_blob(b"export default function View(props) { return <p {...props} />; }\n", get_parser("auto"))
    assert [f.name for f in jsx.functions] == ["View"]


def test_a_typescript_syntax_error_is_a_parse_error_with_its_place():
    extraction = _extract("export function f(a: string {\n}\n")
    assert extraction.problem_kind is ProblemKind.PARSE_ERROR and extraction.problem_line == 1


def test_esprima_alone_says_it_reads_no_typescript():
    extraction = _extract("export function f(a: string) {}\n", parser="esprima")
    assert extraction.problem_kind is ProblemKind.PARSE_ERROR
    assert "JavaScript only" in (extraction.problem_reason or "")


@pytest.mark.parametrize("parser", ["auto", "tree-sitter"])
def test_classes_namespaces_and_merged_names(parser):
    extraction = extract_blob(
        b"export abstract class K { constructor(private x: number) {} }\n"
        b"export function merged(a: string): void {}\nexport namespace merged { export const v = 1; }\n"
        b"declare global { interface Window {} }\nimport fs = require('fs');\n",
        get_parser(parser),
        "typescript",
    )
    assert extraction.problem_kind is None, extraction.problem_reason
    assert [f.name for f in extraction.functions] == ["merged"]


def test_an_anonymous_default_signature_as_tsc_writes_it_in_declaration_files():
    (f, g) = _functions("/** Runs. */\nexport default function (a: number): void;\nexport function g(): void;\n")
    assert (f.name, f.export_type, f.description, _signature(f)) == (
        "default",
        "default",
        "Runs.",
        ([("a", "number", False, False, None)], ["void"]),
    )
    assert g.name == "g"


def test_interfaces_the_grammar_trips_in_do_not_fail_the_file():
    # Call signatures on lines of their own, without separators: tree-sitter-typescript reads them as
    # comparisons (immer's types-external.ts); the interface's body is blanked and the file read.
    extraction = _extract(
        "export interface IProduce {\n  <Curried>(recipe: R): Curried\n\n"
        "  <Recipe extends AnyFunc>(recipe: Recipe): X<\n    Recipe,\n    false\n  >\n}\n"
        "/** Kept. */\nexport function never_used(a: string): void {}\n"
    )
    assert extraction.problem_kind is None, extraction.problem_reason
    assert extraction.type_exports == 1
    (f,) = extraction.functions
    assert (f.name, f.description, f.parameters[0].type) == ("never_used", "Kept.", "string")


def test_import_types_with_type_arguments_as_tsc_writes_them():
    (f,) = _functions('export declare function j<T>(a: T): import("../types").Fn<Observable<T>, unknown>;\n')
    assert f.return_values[0].type == "Fn<Observable<T>, unknown>"


def test_object_type_members_one_per_line_are_joined_with_semicolons():
    (f,) = _functions(
        "export function configure(options: {\n  a?: 'x' | 'y'\n  // why\n  /** doc */\n  b: boolean\n"
        "  c: (f: () => void) => void\n}): void {}\n"
    )
    assert f.parameters[0].type == "{ a?: 'x' | 'y'; b: boolean; c: (f: () => void) => void }"


def test_a_union_written_one_member_a_line_loses_its_leading_bar():
    (f,) = _functions("export function f(a:\n  | A\n  | B): void {}\n")
    assert f.parameters[0].type == "A | B"


def test_newer_syntax_reads():
    found = _functions(
        "export type * from './types';\nexport * as ns from './ns';\n"
        "export function f<const T extends readonly unknown[]>(a: T): asserts a is T {}\n"
        "export const g = ((a: number) => a) satisfies Fn;\n"
    )
    assert [(f.name, f.type_parameters, [r.type for r in f.return_values]) for f in found] == [
        ("f", "<const T extends readonly unknown[]>", ["asserts a is T"]),
        ("g", None, []),
    ]
