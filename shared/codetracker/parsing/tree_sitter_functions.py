"""The function facts of a tree-sitter tree: a function's parameters (and the names they bind), async,
generator, whether it reads `arguments`; the names a binding pattern binds; and the node views the rules
both backends share read (parsing/walk_rules.py): call, conditional, feature test, a factory's returns.
Mixed into the JavaScript walk (parsing/tree_sitter_walk.py) and so into the TypeScript and CommonJS walks."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from codetracker.domain.call_values import Factory
from codetracker.domain.model import ParamSyntax
from codetracker.parsing.function_shape import FunctionShape
from codetracker.parsing.source_text import identifier_name
from codetracker.parsing.walk_rules import WalkRules

_FUNCTION_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
_FUNCTION_VALUES = frozenset({"function_expression", "generator_function", "arrow_function"})
_GENERATORS = frozenset({"generator_function", "generator_function_declaration"})
_IDENTIFIERS = frozenset({"identifier", "undefined"})
_TYPED_PARAMETERS = frozenset({"required_parameter", "optional_parameter"})  # TypeScript
# Top-level statements that may assign module bindings in blocks (`if (…) { x = … }`) or declare nested ones.
_ASSIGNING_STATEMENTS = frozenset(
    {
        "if_statement",
        "statement_block",
        "try_statement",
        "switch_statement",
        "labeled_statement",
        "for_statement",
        "for_in_statement",
        "while_statement",
        "do_statement",
    }
)
# Statements a `return` of the function itself may sit in (nested functions and expressions are not walked).
_STATEMENT_CONTAINERS = _ASSIGNING_STATEMENTS | {
    "else_clause",
    "switch_body",
    "switch_case",
    "switch_default",
    "catch_clause",
    "finally_clause",
}


class TreeSitterFunctions(WalkRules):
    """Function facts and WalkRules' node views over tree-sitter nodes, for a walk that has `source`,
    `pos` (character offset of a byte offset), `text`, `name` and `function_values`."""

    __slots__ = ()
    source: str
    pos: Any
    function_values: frozenset[str]

    def offset(self, node: Any) -> int:
        return self.pos(node.start_byte)

    def binds_function(self, value: Any) -> bool:
        return value.type in self.function_values

    def is_plain_name(self, node: Any) -> bool:
        return node.type in _IDENTIFIERS

    def member_parts(self, value: Any) -> tuple[str, str] | None:
        if value.type != "member_expression":
            return None
        owner, key = value.child_by_field_name("object"), value.child_by_field_name("property")
        if owner.type == "identifier" and key is not None and key.type == "property_identifier":
            return self.name(owner), self.text(key)
        return None

    def unwrapped(self, node: Any) -> Any:
        return _unparenthesized(node)

    def is_function_literal(self, node: Any) -> bool:
        return node.type in _FUNCTION_VALUES

    def identifier(self, node: Any) -> str | None:
        return self.name(node) if node.type == "identifier" else None

    def call_parts(self, node: Any) -> tuple[Any, list[Any] | None] | None:
        if node.type != "call_expression":
            return None
        callee = _unparenthesized(node.child_by_field_name("function"))  # as esprima's ranges leave it
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.type != "arguments":  # a tagged template
            return callee, None
        return callee, [a for a in arguments.named_children if a.type != "comment"]

    def fallback_right(self, node: Any) -> Any:
        if node.type != "binary_expression":
            return None
        operator = node.child_by_field_name("operator")
        if operator is None or operator.type not in ("||", "??"):
            return None
        # `ok || function…` may be `true`; a feature test is not
        left = _unparenthesized(node.child_by_field_name("left"))
        return node.child_by_field_name("right") if left.type == "member_expression" else None

    def conditional_parts(self, node: Any) -> tuple[Any, Any, Any] | None:
        if node.type != "ternary_expression":
            return None
        consequence = _unparenthesized(node.child_by_field_name("consequence"))
        alternative = _unparenthesized(node.child_by_field_name("alternative"))
        return node.child_by_field_name("condition"), consequence, alternative

    def is_spread(self, node: Any) -> bool:
        return bool(node.type == "spread_element")

    def factory_callees(self, function: Any) -> Factory | None:
        if function.type not in _FUNCTION_VALUES and function.type not in _FUNCTION_DECLARATIONS:
            return None
        return super().factory_callees(function)

    def factory_body(self, function: Any) -> tuple[list[Any], set[str], Any] | None:
        body = function.child_by_field_name("body")
        if body is None:
            return None
        if body.type != "statement_block":  # an arrow's expression body
            return [body], set(), None
        returns: list[Any] = []
        inner: set[str] = set()
        pending = list(body.named_children)
        while pending:
            node = pending.pop()
            kind = node.type
            if kind == "return_statement":
                value = next((c for c in node.named_children if c.type != "comment"), None)
                if value is None:
                    return None
                returns.append(value)
            elif kind in _FUNCTION_DECLARATIONS and node.parent == body:
                name = node.child_by_field_name("name")
                if name is not None:
                    inner.add(self.name(name))
            elif kind in _STATEMENT_CONTAINERS:
                pending.extend(node.named_children)
        return returns, inner, body

    def exits(self, node: Any) -> bool:
        return node.type in ("return_statement", "throw_statement")

    def block_statements(self, node: Any) -> list[Any] | None:
        if node.type != "statement_block":
            return None
        return [c for c in node.named_children if c.type != "comment"]

    def if_branches(self, node: Any) -> tuple[Any, Any] | None:
        if node.type != "if_statement":
            return None
        alternative = node.child_by_field_name("alternative")  # an else_clause: its statement
        branch = (
            next((c for c in alternative.named_children if c.type != "comment"), None)
            if alternative is not None
            else None
        )
        return node.child_by_field_name("consequence"), branch

    def switch_cases(self, node: Any) -> list[tuple[bool, list[Any]]] | None:
        if node.type != "switch_statement":
            return None
        body = node.child_by_field_name("body")
        cases = [c for c in body.named_children if c.type in ("switch_case", "switch_default")] if body else []
        return [
            (case.type == "switch_default", [s for s in case.children_by_field_name("body") if s.type != "comment"])
            for case in cases
        ]

    def pattern_names(self, pattern: Any) -> list[tuple[str, int]]:
        """The names a binding pattern binds, with their character offsets."""
        names: list[tuple[str, int]] = []
        pending = [pattern]
        while pending:
            node = pending.pop()
            kind = node.type
            if kind in _IDENTIFIERS or kind == "shorthand_property_identifier_pattern":
                names.append((self.name(node), self.pos(node.start_byte)))
            elif kind == "pair_pattern":
                value = node.child_by_field_name("value")
                if value is not None:
                    pending.append(value)
            elif kind in ("assignment_pattern", "object_assignment_pattern"):
                left = node.child_by_field_name("left")
                if left is not None:
                    pending.append(left)
            elif kind in ("object_pattern", "array_pattern", "rest_pattern"):
                pending.extend(reversed(node.named_children))
        return names

    def describe(self, function: Any) -> FunctionShape:
        shape = self.call_shape(function)
        return replace(shape, reads_arguments=_reads_arguments(function.child_by_field_name("body")))

    def returns_promise_or_iterator(self, function: Any) -> bool:
        return is_async(function) or is_generator(function)  # asked of every top-level function: no shape

    shapes: dict[int, FunctionShape]  # the walk's own (a slot of the file's walk)

    def call_shape(self, function: Any) -> FunctionShape:
        shape = self.shapes.get(function.id)
        if shape is None:
            shape = self.shapes[function.id] = self._call_shape(function)
        return shape

    def _call_shape(self, function: Any) -> FunctionShape:
        """The function's parameters (and the names they bind), async and generator: describe() without
        the walk of its body, for the factory rule, which asks of every top-level function."""
        nodes = parameter_nodes(function)
        bound: list[tuple[str, int]] = []
        for node in nodes:
            # TypeScript's `a: T` (required_parameter) binds the names of its pattern
            target = node.child_by_field_name("pattern") if node.type in _TYPED_PARAMETERS else node
            if target is not None and target.type != "this":
                bound.extend(self.pattern_names(target))
        return FunctionShape(
            is_async=is_async(function),
            is_generator=is_generator(function),
            params=tuple(param for param in map(self.param, nodes) if param is not None),
            bound_names=tuple(bound),
        )

    def param(self, node: Any) -> ParamSyntax:
        kind = node.type
        if kind == "assignment_pattern":
            left = node.child_by_field_name("left")
            right = node.child_by_field_name("right")
            source = self.text(left)
            pos = self.pos
            default = self.source[pos(right.start_byte) : pos(node.end_byte)]
            identifier = identifier_name(source) if left.type in _IDENTIFIERS else None
            return ParamSyntax(source=source, identifier=identifier, default_source=default, is_rest=False)
        if kind == "rest_pattern":
            target = next(child for child in node.named_children if child.type != "comment")
            source = self.text(target)
            identifier = identifier_name(source) if target.type in _IDENTIFIERS else None
            return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=True)
        source = self.text(node)
        identifier = identifier_name(source) if kind in _IDENTIFIERS else None
        return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=False)


def parameter_nodes(function: Any) -> list[Any]:
    """The parameter nodes of a function (`x => …`: its one parameter)."""
    parameters = function.child_by_field_name("parameters")
    if parameters is None:
        single = function.child_by_field_name("parameter")
        return [single] if single is not None else []
    return [node for node in parameters.named_children if node.type != "comment"]


def is_async(function: Any) -> bool:
    first = function.child(0)
    return first is not None and bool(first.type == "async")


def is_generator(function: Any) -> bool:
    return function.type in _GENERATORS or any(child.type == "*" for child in function.children[:3])


def _unparenthesized(node: Any) -> Any:
    while node.type == "parenthesized_expression":
        inner = [child for child in node.named_children if child.type != "comment"]
        if len(inner) != 1:
            return node
        node = inner[0]
    return node


# Functions with their own `arguments` (an arrow function reads its enclosing function's).
_OWN_ARGUMENTS = frozenset(
    {*_FUNCTION_DECLARATIONS, "function_expression", "generator_function", "method_definition", "class_body"}
)


def _reads_arguments(body: Any) -> bool:
    """The function body reads `arguments`, outside the nested functions that have their own."""
    if body is None or b"arguments" not in body.text:
        return False  # most bodies never write the word: their nodes need no walk
    pending = [body]
    while pending:
        node = pending.pop()
        if node.type in ("identifier", "shorthand_property_identifier") and node.text == b"arguments":
            return True
        pending.extend(child for child in node.children if child.type not in _OWN_ARGUMENTS)
    return False
