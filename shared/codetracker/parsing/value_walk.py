"""What both backends gather from a function body for its value expression (domain/call_values.py
`Expr`): its returns in source order and the names its body declares (parsing/esprima_values.py and
parsing/tree_sitter_values.py walk their own trees into this)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from codetracker.domain.call_values import Expr, unknown_expr
from codetracker.domain.model import ParamSyntax

MAX_EXPR_DEPTH = 8  # value expressions nest at most this deep (deeper: unknown)


class Walk(Protocol):
    """What the value walkers use of their backend's walk."""

    def text(self, node: Any) -> str: ...
    def name(self, node: Any) -> str: ...
    def param(self, node: Any) -> ParamSyntax | None: ...  # None: TypeScript's `this`, no parameter
    def pattern_names(self, pattern: Any) -> list[tuple[str, int]]: ...
    def terminates(self, node: Any) -> bool: ...


class BodyFacts:
    def __init__(self) -> None:
        self.returns: list[tuple[int, Expr]] = []  # (offset, what it returns)
        self._locals: dict[str, Expr] = {}

    def declare(self, name: str, value: Expr | None) -> None:
        """A name the body binds: to `value` (a `const` or a function declared at its top level), else
        (None: a `var`, a `let`, a nested declaration, an assignment) to something not read. Twice: unknown."""
        known = value if value is not None and name not in self._locals else None
        self._locals[name] = known if known is not None else unknown_expr("may be reassigned")

    def returns_in_order(self) -> tuple[Expr, ...]:
        return tuple(value for _, value in sorted(self.returns, key=lambda r: r[0]))

    def locals(self) -> tuple[tuple[str, Expr], ...]:
        return tuple(sorted(self._locals.items()))


# How a function is called: a plain function, an arrow (no `arguments` of its own), or an async function
# or generator (a call returns a promise or an iterator, never what its body returns).
FUNCTION, ARROW, ASYNC, GENERATOR = "function", "arrow", "async", "generator"


def function_kind(*, generator: bool, is_async: bool, arrow: bool) -> str:
    return GENERATOR if generator else ASYNC if is_async else ARROW if arrow else FUNCTION


class ValueWalker:
    """What both backends' value walkers share: the walk of a body's statements into BodyFacts; each
    reads one statement of its own tree (`statement`), queueing the statements it holds."""

    def __init__(self, walk: Walk) -> None:
        self.walk = walk

    def value(self, node: Any, depth: int = 0) -> Expr:
        """What a node is written as; nested deeper than MAX_EXPR_DEPTH: unknown."""
        if depth > MAX_EXPR_DEPTH:
            return unknown_expr("nested too deep")
        return self.expression(node, depth)

    def expression(self, node: Any, depth: int) -> Expr:
        """value() of a node within the depth: each backend's reading of its own nodes."""
        raise NotImplementedError

    def statement(self, node: Any, top: bool, facts: BodyFacts, pending: list[Any], depth: int) -> None:
        raise NotImplementedError

    def facts(self, statements: Sequence[Any], *, top: bool, depth: int) -> BodyFacts:
        facts = BodyFacts()
        pending = [(statement, top) for statement in reversed(statements)]
        while pending:
            statement, at_top = pending.pop()
            self.statement(statement, at_top, facts, pending, depth)
        return facts

    def body(self, params: tuple[Any, ...], kind: str, statements: Sequence[Any], terminates: bool, depth: int) -> Expr:
        """("fn", params, returns, locals, kind) of a function whose body is these statements."""
        facts = self.facts(statements, top=True, depth=depth)
        return ("fn", params, facts.returns_in_order() if terminates else None, facts.locals(), kind)

    def expression_body(self, params: tuple[Any, ...], kind: str, body: Any, depth: int) -> Expr:
        """The Expr of an arrow function whose body is an expression."""
        return ("fn", params, (self.value(body, depth + 1),), (), kind)

    def computed_read(self, index: str | None) -> Expr:
        """A computed property read: `arguments[0]` (`index`: the number as written), the call's argument
        at that index; any other, unknown."""
        if index is not None and index.isdigit():
            return ("arg", int(index))
        return unknown_expr("a computed property")

    def assigned_names(self, node: Any) -> list[str]:
        """The names a top-level statement that declares nothing at the top level (`x = …`, an `if`, a
        block, a loop) assigns or declares below it: what a module binding written once may become."""
        return [name for name, _ in self.facts([node], top=False, depth=MAX_EXPR_DEPTH).locals()]
