"""Per-file facts about values built by calls, and the little evaluation that decides them across files.

`Built`: an export whose value is a call (`_curry2(function add(a, b) {})`, `convertToFP(fn, 2)`).
`Factory`: a top-level function whose every return is a function, maybe under a guard: date-fns'
`convertToFP(fn, arity, curriedArgs = [])` returns `curriedArgs.length >= arity ? fn(…) : (...args) => …`,
a function whenever it is called with fewer curried arguments than its arity, which the call's literal
arguments and the parameters' literal defaults show. Only comparisons of numbers, parameters and
`.length` of array literals are evaluated; anything else is not shown.
`Expr`: what a value is written as, as far as the evaluation of calls across files needs it
(domain/call_evaluation.py): `bisector(ascending).right`, `createChalk()`, `setToString(overRest(…), …)`.

Both parser backends build these from source text the same way (the helpers here), so they agree.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from codetracker.domain.model import ParamSyntax

# A literal argument or default as far as a guard needs it: ("num", value), ("array", length) or ("?",).
SimpleValue = tuple[Any, ...]
UNKNOWN_VALUE: SimpleValue = ("?",)


# A value expression as nested tuples (JSON-able for the blob cache), by its first item:
#   ("fn", params, returns, locals, kind): a function literal or declaration; params: param_rows();
#       returns: the expressions it returns, None when it may end without a return; locals: (name, Expr) of
#       the functions and `const`s its body declares (anything else it declares or assigns: unknown);
#       kind: "function", "arrow", "async" or "generator"
#   ("ref", name) · ("call", callee, arguments) · ("get", object, property) · ("arg", index): `arguments[i]`
#   ("either", a, b): `c ? a : b` · ("or", a, b): `a || b`, `a ?? b` · ("obj", ((key, Expr), …))
#   ("falsy",): undefined, null, false · ("val",): a value that is no function (number, string, array, class)
#   ("?", why): anything else
Expr = tuple[Any, ...]
EVALUATED = frozenset({"call", "get", "either", "or"})  # the kinds a value built by calls may be written as


def unknown_expr(why: str) -> Expr:
    return ("?", why)


def expr_from_json(value: Any) -> Any:
    """An Expr read back from JSON (lists → tuples, all the way down). A rescan reads 100k nodes: the
    leaves (strings, numbers) are not called for."""
    if type(value) is not list:
        return value
    return tuple([expr_from_json(v) if type(v) is list else v for v in value])


def param_rows(params: Sequence[ParamSyntax]) -> tuple[tuple[Any, ...], ...]:
    """ParamSyntax fields as a row: (source, identifier, default_source, is_rest, annotation, is_optional)."""
    return tuple((p.source, p.identifier, p.default_source, p.is_rest, p.annotation, p.is_optional) for p in params)


@dataclass(frozen=True, slots=True)
class Built:
    """`callees`: local names that must each be shown to return a function; `reason`: recorded when one is
    not. `arguments`: None when the record's parameters are those of the innermost function literal among
    the call's arguments; else the call has none, and its simple arguments decide the factory's guard and
    the parameters are those of the function the factory returns."""

    callees: tuple[str, ...]
    reason: str
    arguments: tuple[SimpleValue, ...] | None = None
    # The whole value as written, evaluated across files (domain/call_evaluation.py) when the callees
    # alone do not show a function. With no callees it is all there is (`bisector(f).right`): `reason` ""
    # then means the value was never taken for a function and stays recorded as none when not shown.
    value: Expr | None = None


@dataclass(frozen=True, slots=True)
class Guard:
    """`left operator right` over the factory's parameters; the factory returns its function literal when
    the comparison is `returns_when` (and the value of something else otherwise)."""

    operator: str
    left: tuple[Any, ...]  # ("len", parameter index), ("param", parameter index) or ("num", value)
    right: tuple[Any, ...]
    returns_when: bool
    defaults: tuple[SimpleValue, ...]  # of the factory's parameters (simple_value of each default)


@dataclass(frozen=True, slots=True)
class Factory:
    callees: tuple[str, ...]  # local names some returns call: each must return a function too
    params: tuple[ParamSyntax, ...] | None = None  # of the one function literal it returns, if one
    guard: Guard | None = None


_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_OPERAND = re.compile(r"([A-Za-z_$][\w$]*)(\.length)?|(\d+(?:\.\d+)?)")
_COMPARISON = re.compile(r"^\s*(\S+?)\s*(>=|<=|===|!==|==|!=|>|<)\s*(\S+?)\s*$")


def simple_value(text: str | None) -> SimpleValue:
    """An argument's or default's source text → what a guard can use of it."""
    if text is None:
        return UNKNOWN_VALUE
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return ("num", float(text))
    if re.fullmatch(r"\[\s*\]", text):
        return ("array", 0)
    return UNKNOWN_VALUE


def guard_of(test: str, parameters: Sequence[ParamSyntax], returns_when: bool) -> Guard | None:
    """The guard a conditional's test text is over the factory's parameters, or None when it is no
    comparison we evaluate."""
    names = [p.identifier for p in parameters]
    defaults = tuple(simple_value(p.default_source) for p in parameters)
    match = _COMPARISON.match(" ".join(test.split()))
    if match is None:
        return None
    left, right = _operand(match.group(1), names), _operand(match.group(3), names)
    if left is None or right is None:
        return None
    return Guard(match.group(2), left, right, returns_when, defaults)


def _operand(text: str, parameters: Sequence[str | None]) -> tuple[Any, ...] | None:
    match = _OPERAND.fullmatch(text)
    if match is None:
        return None
    if match.group(3) is not None:
        return ("num", float(match.group(3)))
    name = match.group(1)
    if name not in parameters:
        return None
    index = list(parameters).index(name)
    return ("len", index) if match.group(2) else ("param", index)


def guard_holds(guard: Guard, arguments: Sequence[SimpleValue]) -> bool:
    """Whether a call with these (simple) arguments is shown to take the guarded function branch: each
    parameter is its argument, else its literal default."""
    values = [arguments[i] if i < len(arguments) else default for i, default in enumerate(guard.defaults)]
    return evaluate(guard, values) is guard.returns_when


def evaluate(guard: Guard, values: Sequence[SimpleValue]) -> bool | None:
    """The comparison's value with the parameters bound to `values`, or None when it is not known."""
    left, right = _number(guard.left, values), _number(guard.right, values)
    if left is None or right is None:
        return None
    result = {
        ">=": left >= right,
        "<=": left <= right,
        ">": left > right,
        "<": left < right,
        "===": left == right,
        "==": left == right,
        "!==": left != right,
        "!=": left != right,
    }
    return result[guard.operator]


def _number(operand: tuple[Any, ...], values: Sequence[SimpleValue]) -> float | None:
    kind = operand[0]
    if kind == "num":
        return float(operand[1])
    index = operand[1]
    value = values[index] if index < len(values) else UNKNOWN_VALUE
    if kind == "len":
        return float(value[1]) if value[0] == "array" else None
    return float(value[1]) if value[0] == "num" else None
