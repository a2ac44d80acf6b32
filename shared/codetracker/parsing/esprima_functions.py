"""The function facts of an ESTree (esprima-fork) tree: a function's parameters (and the names they bind),
async, generator, whether it reads `arguments`; the names a binding pattern binds; and the node views the
rules both backends share read (parsing/walk_rules.py). Mixed into the walk (parsing/esprima_backend.py);
the tree-sitter side is parsing/tree_sitter_functions.py."""

from __future__ import annotations

from typing import Any

from codetracker.domain.model import ParamSyntax
from codetracker.parsing.function_shape import FunctionShape
from codetracker.parsing.source_text import identifier_name, skip_trivia
from codetracker.parsing.walk_rules import WalkRules

_FUNCTION_VALUES = frozenset({"FunctionExpression", "ArrowFunctionExpression", "FunctionDeclaration"})
_LITERALS = frozenset({"FunctionExpression", "ArrowFunctionExpression"})
_LOOPS = frozenset({"ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"})


class EsprimaFunctions(WalkRules):
    """Function facts and WalkRules' node views over ESTree nodes, for a walk that has `source`, `text`
    and `name`."""

    __slots__ = ()
    source: str

    def offset(self, node: Any) -> int:
        return int(node.range[0])

    def binds_function(self, value: Any) -> bool:
        return value.type in _FUNCTION_VALUES

    def is_plain_name(self, node: Any) -> bool:
        return bool(node.type == "Identifier")

    def member_parts(self, value: Any) -> tuple[str, str] | None:
        if value.type == "MemberExpression" and not value.computed and value.object.type == "Identifier":
            return self.name(value.object), self.name(value.property)
        return None

    def is_function_literal(self, node: Any) -> bool:
        return node.type in _LITERALS

    def identifier(self, node: Any) -> str | None:
        return self.name(node) if node.type == "Identifier" else None

    def call_parts(self, node: Any) -> tuple[Any, list[Any] | None] | None:
        return (node.callee, list(node.arguments)) if node.type == "CallExpression" else None

    def fallback_right(self, node: Any) -> Any:
        if node.type != "LogicalExpression" or node.operator not in ("||", "??"):
            return None
        return node.right if node.left.type == "MemberExpression" else None

    def conditional_parts(self, node: Any) -> tuple[Any, Any, Any] | None:
        return (node.test, node.consequent, node.alternate) if node.type == "ConditionalExpression" else None

    def is_spread(self, node: Any) -> bool:
        return bool(node.type == "SpreadElement")

    def factory_body(self, function: Any) -> tuple[list[Any], set[str], Any] | None:
        body = function.body
        if body.type != "BlockStatement":  # an arrow's expression body
            return [body], set(), None
        returns: list[Any] = []
        inner = {s.id.name for s in body.body if s.type == "FunctionDeclaration" and s.id is not None}
        pending = list(body.body)
        while pending:
            node = pending.pop()
            kind = node.type
            if kind == "ReturnStatement":
                if node.argument is None:
                    return None
                returns.append(node.argument)
            elif kind == "BlockStatement":
                pending.extend(node.body)
            elif kind == "IfStatement":
                pending.extend(n for n in (node.consequent, node.alternate) if n is not None)
            elif kind == "SwitchStatement":
                pending.extend(s for case in node.cases for s in case.consequent)
            elif kind == "TryStatement":
                handler = node.handler.body if node.handler is not None else None
                pending.extend(n for n in (node.block, handler, node.finalizer) if n is not None)
            elif kind in _LOOPS or kind == "LabeledStatement":
                pending.append(node.body)
        return returns, inner, body

    def exits(self, node: Any) -> bool:
        return node.type in ("ReturnStatement", "ThrowStatement")

    def block_statements(self, node: Any) -> list[Any] | None:
        return list(node.body) if node.type == "BlockStatement" else None

    def if_branches(self, node: Any) -> tuple[Any, Any] | None:
        return (node.consequent, node.alternate) if node.type == "IfStatement" else None

    def switch_cases(self, node: Any) -> list[tuple[bool, list[Any]]] | None:
        if node.type != "SwitchStatement":
            return None
        return [(case.test is None, list(case.consequent)) for case in node.cases]

    def pattern_names(self, pattern: Any) -> list[tuple[str, int]]:
        """The names a binding pattern binds, with their character offsets."""
        names: list[tuple[str, int]] = []
        pending = [pattern]
        while pending:
            node = pending.pop()
            if node is None:  # array hole
                continue
            kind = node.type
            if kind == "Identifier":
                names.append((self.name(node), node.range[0]))
            elif kind == "ObjectPattern":
                pending.extend(reversed(node.properties))
            elif kind == "Property":
                pending.append(node.value)
            elif kind == "ArrayPattern":
                pending.extend(reversed(node.elements))
            elif kind == "AssignmentPattern":
                pending.append(node.left)
            elif kind == "RestElement":
                pending.append(node.argument)
        return names

    def describe(self, function: Any) -> FunctionShape:
        bound: list[tuple[str, int]] = []
        for node in function.params:
            bound.extend(self.pattern_names(node))
        return FunctionShape(
            is_async=bool(function.isAsync),
            is_generator=bool(function.generator),
            params=tuple(self.param(node) for node in function.params),
            bound_names=tuple(bound),
            reads_arguments=_reads_arguments(function.body),
        )

    def param(self, node: Any) -> ParamSyntax:
        kind = node.type
        if kind == "AssignmentPattern":
            left = node.left
            source = self.text(left)
            # The default as written, parentheses included (ESTree ranges leave them out).
            equals = skip_trivia(self.source, left.range[1], node.range[1])
            start = skip_trivia(self.source, equals + 1, node.range[1])
            default = self.source[start : node.range[1]]
            identifier = identifier_name(source) if left.type == "Identifier" else None
            return ParamSyntax(source=source, identifier=identifier, default_source=default, is_rest=False)
        if kind == "RestElement":
            target = node.argument
            source = self.text(target)
            identifier = identifier_name(source) if target.type == "Identifier" else None
            return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=True)
        source = self.text(node)
        identifier = identifier_name(source) if kind == "Identifier" else None
        return ParamSyntax(source=source, identifier=identifier, default_source=None, is_rest=False)


# Functions with their own `arguments` (an arrow function reads its enclosing function's).
_OWN_ARGUMENTS = frozenset({"FunctionDeclaration", "FunctionExpression", "ClassBody"})


def _reads_arguments(body: Any) -> bool:
    """The function body reads `arguments`, outside the nested functions that have their own."""
    pending: list[Any] = [body]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif hasattr(node, "type") and isinstance(getattr(node, "type", None), str):
            if node.type == "Identifier" and node.name == "arguments":
                return True
            if node.type in _OWN_ARGUMENTS:
                continue
            if node.type == "MemberExpression" and not node.computed:  # `x.arguments` is a property
                pending.append(node.object)
            elif node.type == "Property" and not node.computed and not node.shorthand:  # `{arguments: 1}`
                pending.append(node.value)
            else:
                pending.extend(value for key, value in vars(node).items() if key not in ("type", "range", "loc"))
    return False
