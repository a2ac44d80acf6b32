"""What a backend tells of a function it reports: its shape (FunctionShape, from the walk's `describe`, asked
only of a function that is exported), or CALL_RESULT for a value built by a call that writes no function
literal, whose parameters are those of what the callee returns."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from codetracker.domain.call_values import EVALUATED, Built, Expr
from codetracker.domain.model import ParamSyntax


@dataclass(frozen=True, slots=True)
class FunctionShape:
    is_async: bool
    is_generator: bool
    params: tuple[ParamSyntax, ...]
    # Every name the parameters bind (destructuring included), with its character offset.
    bound_names: tuple[tuple[str, int], ...] = ()
    return_annotation: str | None = None  # TypeScript
    type_parameters: str | None = None  # TypeScript
    # TypeScript overloads: one shape per signature (each with its own JSDoc); the function is exported
    # once per signature. Empty for a function with one signature.
    overloads: tuple[FunctionShape, ...] = ()
    jsdoc_raw: str | None = None  # an overload signature's own JSDoc
    # The body reads `arguments` (outside nested non-arrow functions): its parameters may not be all it takes.
    reads_arguments: bool = False


class _CallResult:
    """The function node of a value built by a call with no function literal (`convertToFP(fn, 2)`): its
    parameters are those of the function the callee returns, filled in when decided."""


CALL_RESULT = _CallResult()


def with_value(found: tuple[Any, Built] | None, expr: Expr, unknown: str | None) -> tuple[Any, Built | None]:
    """(function node, Built) of a value that may be a function built by calls: what the callees' rule
    found (a backend's built_value), with the whole value beside for the evaluation across files; a call,
    property read, conditional or `||` that rule does not take is that value alone (CALL_RESULT, no
    callees; `unknown` its reason, "" when such a value was never undecided). Else (None, None)."""
    if found is not None:
        return found[0], replace(found[1], value=expr)
    if expr[0] in EVALUATED:
        return CALL_RESULT, Built((), unknown or "", (), expr)
    return None, None
