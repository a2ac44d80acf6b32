"""Function types as JSDoc writes them, TypeScript's and Closure's."""

from __future__ import annotations

import pytest

from codetracker.domain.type_signatures import FunctionSignature, SignatureParameter, parse_function_type


def _params(text: str) -> list[tuple]:
    signature = parse_function_type(text)
    assert signature is not None, text
    return [(p.name, p.type, p.is_optional, p.is_rest) for p in signature.parameters]


def test_typescript_arrow_types():
    assert parse_function_type("(a: number, b?: string) => boolean") == FunctionSignature(
        (SignatureParameter("a", "number", False, False), SignatureParameter("b", "string", True, False)), "boolean"
    )
    assert _params("(formatter?: (value: number) => string) => void") == [
        ("formatter", "(value: number) => string", True, False)
    ]
    assert _params("(...fns: Array<(x: any) => any>) => Function") == [("fns", "Array<(x: any) => any>", False, True)]
    assert _params("<T extends object>(value: T, keys: { a: 1, b: 2 }) => T") == [
        ("value", "T", False, False),
        ("keys", "{ a: 1, b: 2 }", False, False),
    ]
    assert _params("(this: Window, event) => void") == [("event", None, False, False)]
    assert parse_function_type("((x: string) => number)") == FunctionSignature(
        (SignatureParameter("x", "string", False, False),), "number"
    )
    assert _params("(s: 'a,b' | \"c)\") => void") == [("s", "'a,b' | \"c)\"", False, False)]


def test_closure_function_types():
    assert parse_function_type("function(string, number=): boolean") == FunctionSignature(
        (SignatureParameter(None, "string", False, False), SignatureParameter(None, "number", True, False)),
        "boolean",
    )
    assert _params("function(this:Element, ...number)") == [(None, "number", False, True)]
    assert parse_function_type("function()") == FunctionSignature((), None)


@pytest.mark.parametrize(
    "text",
    ["string", "Array<string>", "new (a: string) => Foo", "function(new:Foo, string)", "((a) => b) | null", "(a"],
)
def test_what_is_not_one_call_signature_is_none(text: str):
    assert parse_function_type(text) is None
