"""What both backends' walks decide the same way, written once: a declarator of a top-level declaration
(bound, imported, aliased, a function, or a function built by calls), values that are functions built by
calls, and factories (functions returning functions). Each backend's walk mixes WalkRules in and supplies
the few node views below (`unwrapped`, `is_function_literal`, `is_plain_name`, `identifier`, `call_parts`,
`member_parts`, `fallback_right`, `conditional_parts`, `is_spread`…) and the walk of a factory's body
(`factory_body`); the differential tests hold the backends equal."""

from __future__ import annotations

from typing import Any

from codetracker.domain.call_values import UNKNOWN_VALUE, Built, Expr, Factory, guard_of, simple_value
from codetracker.domain.model import ParamSyntax
from codetracker.parsing.declaration_jsdoc import Declarator
from codetracker.parsing.exports import NAMED, ExportCollector
from codetracker.parsing.function_shape import CALL_RESULT, FunctionShape, with_value


def snippet(text: str) -> str:
    """Code quoted in a reason: one line, short."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


class WalkRules:
    """A declarator (`declarator`), built values (`built_value`), why a value may be a function we cannot
    decide (`undecided_value`) and factories (`factory_callees`) over a backend's nodes."""

    __slots__ = ()
    values: Any  # the backend's value walker (parsing/value_walk.py)
    collector: ExportCollector[Any]

    # --- what the backend supplies ---------------------------------------------------------------------

    def text(self, node: Any) -> str:
        raise NotImplementedError

    def name(self, node: Any) -> str:
        raise NotImplementedError

    def describe(self, function: Any) -> FunctionShape:
        raise NotImplementedError

    def call_shape(self, function: Any) -> FunctionShape:
        """describe() without what the factory rule does not need (the default: describe)."""
        return self.describe(function)

    def returns_promise_or_iterator(self, function: Any) -> bool:
        """Whether a call of the function gives a promise or an iterator (async, generator), never what
        its returns say (the default: from call_shape)."""
        shape = self.call_shape(function)
        return shape.is_async or shape.is_generator

    def unwrapped(self, node: Any) -> Any:
        """The node without the parentheses its tree keeps around a value (ESTree keeps none)."""
        return node

    def offset(self, node: Any) -> int:
        """Where a node starts, in characters."""
        raise NotImplementedError

    def pattern_names(self, pattern: Any) -> list[tuple[str, int]]:
        raise NotImplementedError

    def is_function_literal(self, node: Any) -> bool:
        raise NotImplementedError

    def binds_function(self, value: Any) -> bool:
        """Whether a declarator's value is a function written right there."""
        raise NotImplementedError

    def is_plain_name(self, node: Any) -> bool:
        """Whether a binding target (or a declarator's value) is an identifier."""
        raise NotImplementedError

    def member_parts(self, value: Any) -> tuple[str, str] | None:
        """(owner, property) of `owner.property` with both plain names, else None."""
        raise NotImplementedError

    def member_bindings(self, pattern: Any, value: Any) -> None:
        """`const { a, b: c } = m`: each name a property of m (ExportCollector.member_binding)."""
        raise NotImplementedError

    def required(self, value: Any) -> Any:
        """What a `require(…)` value imports (CommonJsRules, in a CommonJS walk); an ES module requires nothing."""
        return None

    def identifier(self, node: Any) -> str | None:
        """The name, when the node is an identifier."""
        raise NotImplementedError

    def call_parts(self, node: Any) -> tuple[Any, list[Any] | None] | None:
        """(callee unwrapped, arguments; None for a tagged template) of a call, else None."""
        raise NotImplementedError

    def fallback_right(self, node: Any) -> Any:
        """The right side of a feature test `o.f || …` / `o.f ?? …`, else None."""
        raise NotImplementedError

    def conditional_parts(self, node: Any) -> tuple[Any, Any, Any] | None:
        """(test, consequence, alternative), the branches unwrapped, of `test ? a : b`, else None."""
        raise NotImplementedError

    def is_spread(self, node: Any) -> bool:
        raise NotImplementedError

    def exits(self, node: Any) -> bool:
        """Whether a statement is a return or a throw."""
        raise NotImplementedError

    def block_statements(self, node: Any) -> list[Any] | None:
        """The statements of a block, else None."""
        raise NotImplementedError

    def if_branches(self, node: Any) -> tuple[Any, Any] | None:
        """(the statement run when the test holds, the else branch's statement or None) of an `if`, else None."""
        raise NotImplementedError

    def switch_cases(self, node: Any) -> list[tuple[bool, list[Any]]] | None:
        """(is it `default:`, its statements) of each case of a `switch`, else None."""
        raise NotImplementedError

    def factory_body(self, function: Any) -> tuple[list[Any], set[str], Any] | None:
        """(the values the function returns, the functions declared in its body, its block: None for an
        arrow's expression body), or None when a return has no value. Walks statements only, never
        expressions."""
        raise NotImplementedError

    # --- the rules ---------------------------------------------------------------------------------------

    def declarator(
        self, target: Any, value: Any, statement: int, *, lexical: bool, place: Declarator, export_offset: int | None
    ) -> None:
        """`target = value` in a top-level declaration (`value` None: no initialiser): every name bound and,
        when the declaration is exported (`export_offset`), exported; a function, an alias, an import
        (`require`, a property of an import) or a value built by calls told to the collector as such."""
        collector = self.collector
        if not self.is_plain_name(target):
            self.member_bindings(target, value)
            for name, offset in self.pattern_names(target):
                collector.bind(name, None, statement, lexical=lexical, offset=offset)
                if export_offset is not None:
                    collector.export_name(name, offset)
            return
        name, offset = self.name(target), self.offset(target)
        member = self.member_parts(value) if value is not None else None
        if member is not None:  # `const v1 = uuid.v1`
            collector.member_binding(name, *member)
        required = self.required(value) if value is not None else None
        if required is not None:  # CommonJS: `var x = require("./x")` imports x's module.exports
            collector.bind(name, None, statement, lexical=lexical, offset=offset, declarator=place)
            collector.import_binding(name, required.imported, required.specifier)
            return
        function = alias = unknown = built = None
        expr = self.values.value(value) if value is not None else ("falsy",)
        if value is None or self.binds_function(value):
            function = value
        elif self.is_plain_name(value):  # `const parse = marked`
            alias = self.name(value)
        elif not collector.is_import(name):  # a property of an import (member_binding) is followed as one
            unknown = self.undecided_value(value)
            function, built = self.built_of(value, unknown, expr)
        collector.bind(
            name,
            function,
            statement,
            lexical=lexical,
            offset=offset,
            declarator=place,
            alias=alias,
            undecided=unknown,
            built=built,
            value=expr,
        )
        if export_offset is None:
            return
        if function is not None:
            collector.export_function(name, name, NAMED, function, export_offset, statement, place, built)
        elif alias is not None:
            collector.export_alias(name, alias, export_offset, statement, place)
        else:
            collector.export_name(name, offset, unknown=unknown)

    def undecided_value(self, value: Any) -> str | None:
        """Why an exported value that is no function literal may still be a function we cannot decide
        (the value of a call), or None: a value that is none (objects, literals, classes…)."""
        call = self.call_parts(value)
        if call is None:
            return None
        return f"the value of a call: {snippet(self.text(call[0]))}(…)"

    def built_reason(self, value: Any, unknown: str | None) -> tuple[Any, Built] | None:
        """built_value() with its reason: why the value is undecided, else the value quoted."""
        return self.built_value(value, unknown or f"the value of {snippet(self.text(value))}")

    def built_of(self, value: Any, unknown: str | None, expr: Expr | None = None) -> tuple[Any, Built | None]:
        """(function node, Built) of a value that may be a function built by calls: the callees' rule
        (built_value), with the whole value beside for the evaluation across files; a call, property read,
        conditional or `||` that rule does not take is that value alone (CALL_RESULT). Else (None, None)."""
        expr = expr if expr is not None else self.values.value(value)
        return with_value(self.built_reason(value, unknown), expr, unknown)

    def built_value(self, value: Any, reason: str) -> tuple[Any, Built] | None:
        """A value that is a function when the callees (local names) around it return functions:
        `f(…function literal…)` (the innermost literal: `_curry1(_dispatchable([], x, function any(a) {}))`),
        `f(arguments)` with none (CALL_RESULT: the function f returns, `convertToFP(fn, 2)`),
        `o.f || function () {}` / `o.f ?? …` (a feature test: `Array.isArray || function …`), `c ? f : g` with
        both sides such literals. (function node, Built) or None."""
        value = self.unwrapped(value)
        if self.is_function_literal(value):
            return value, Built((), reason)
        call = self.call_parts(value)
        if call is not None:
            callee, arguments = call
            name = self.identifier(callee)
            if name is None:
                return None
            literal = self.innermost_literal(arguments or [])
            if literal is not None:
                return literal, Built((name,), reason)
            if arguments is None:  # a tagged template
                return None
            simple = tuple(UNKNOWN_VALUE if self.is_spread(a) else simple_value(self.text(a)) for a in arguments)
            return CALL_RESULT, Built((name,), reason, simple)
        right = self.fallback_right(value)
        if right is not None:
            found = self.built_value(right, reason)
            return found if found is not None and not found[1].callees else None
        conditional = self.conditional_parts(value)
        if conditional is not None:
            consequence = self.built_value(conditional[1], reason)
            alternative = self.built_value(conditional[2], reason)
            if consequence is None or alternative is None or CALL_RESULT in (consequence[0], alternative[0]):
                return None
            callees = tuple(sorted(set(consequence[1].callees) | set(alternative[1].callees)))
            return consequence[0], Built(callees, reason)
        return None

    def innermost_literal(self, arguments: list[Any]) -> Any:
        """The first function literal among a call's arguments, looking into the arguments that are calls."""
        for argument in arguments:
            argument = self.unwrapped(argument)
            if self.is_function_literal(argument):
                return argument
            call = self.call_parts(argument)
            if call is not None:
                found = self.innermost_literal(call[1] or [])
                if found is not None:
                    return found
        return None

    def terminates(self, node: Any) -> bool:
        """Whether a statement always ends in a return or a throw (never falls through to its end)."""
        if self.exits(node):
            return True
        statements = self.block_statements(node)
        if statements is not None:
            return bool(statements) and self.terminates(statements[-1])
        branches = self.if_branches(node)
        if branches is not None:
            consequence, alternative = branches
            if consequence is None or alternative is None:
                return False
            return self.terminates(consequence) and self.terminates(alternative)
        cases = self.switch_cases(node)
        if cases is None or not any(is_default for is_default, _ in cases):
            return False
        return bool(cases[-1][1]) and all(not body or self.terminates(body[-1]) for _, body in cases)

    def factory_callees(self, function: Any) -> Factory | None:
        """None unless every return of the function is shown to be a function (a literal, a function
        declared in its body, or the value of a call: whose callee is then listed, to be shown the same)
        and it cannot end without a return or a throw; or unless its one return is `test ? literal : other`
        with a test over its parameters (a Guard)."""
        if self.returns_promise_or_iterator(function):
            return None
        found = self.factory_body(function)
        if found is None:
            return None
        returns, inner, block = found
        if block is not None and (not returns or not self.terminates(block)):
            return None  # it may end without a return, or returns nothing
        shape = self.call_shape(function)  # only now: most functions are no factory
        parameters = {name for name, _ in shape.bound_names}
        callees: list[str] = []
        for value in returns:
            returned = self.returned_function(value, inner, parameters)
            if returned is None:
                return self.guarded(returns, shape.params)
            callees.extend(returned)
        only = self.unwrapped(returns[0])
        params = self.describe(only).params if len(returns) == 1 and self.is_function_literal(only) else None
        return Factory(tuple(sorted(set(callees))), params)

    def guarded(self, returns: list[Any], parameters: tuple[ParamSyntax, ...]) -> Factory | None:
        """`return test ? literal : other` (or `test ? other : literal`), the function's one return."""
        conditional = self.conditional_parts(self.unwrapped(returns[0])) if len(returns) == 1 else None
        if conditional is None:
            return None
        test, consequence, alternative = conditional
        literal = next((n for n in (consequence, alternative) if self.is_function_literal(n)), None)
        if literal is None:
            return None
        guard = guard_of(self.text(test), parameters, literal is consequence)
        return Factory((), self.describe(literal).params, guard) if guard is not None else None

    def returned_function(self, value: Any, inner: set[str], parameters: set[str]) -> tuple[str, ...] | None:
        """() when a returned value is a function, the callees whose results it is, or None."""
        value = self.unwrapped(value)
        if self.is_function_literal(value):
            return ()
        name = self.identifier(value)
        if name is not None:
            return () if name in inner else None
        call = self.call_parts(value)
        if call is not None:
            callee = self.identifier(call[0])
            if callee is None or callee in parameters or callee in inner:
                return None
            return (callee,)
        conditional = self.conditional_parts(value)
        if conditional is not None:
            consequence = self.returned_function(conditional[1], inner, parameters)
            alternative = self.returned_function(conditional[2], inner, parameters)
            if consequence is None or alternative is None:
                return None
            return consequence + alternative
        return None
