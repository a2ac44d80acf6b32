"""Value expressions (domain/call_values.py `Expr`) of esprima nodes: what a top-level binding is written
as, for the evaluation of calls across files (domain/call_evaluation.py). The tree-sitter backend builds
the same from its nodes (parsing/tree_sitter_values.py); the differential tests hold them equal."""

from __future__ import annotations

from typing import Any

from codetracker.domain.call_values import Expr, param_rows, unknown_expr
from codetracker.parsing.value_walk import BodyFacts, ValueWalker, function_kind

_FUNCTIONS = frozenset({"FunctionExpression", "ArrowFunctionExpression", "FunctionDeclaration"})
_NOT_FUNCTIONS = frozenset({"ArrayExpression", "TemplateLiteral", "ClassExpression", "BinaryExpression"})
_LOOPS = frozenset({"ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"})


class EsprimaValues(ValueWalker):
    def expression(self, node: Any, depth: int) -> Expr:
        kind = node.type
        walk = self.walk
        if kind in _FUNCTIONS:
            return self.function(node, depth)
        if kind == "Identifier":
            name = walk.name(node)
            return ("falsy",) if name == "undefined" else ("ref", name)
        if kind == "CallExpression":
            if any(a.type == "SpreadElement" for a in node.arguments):
                return unknown_expr("a call with spread arguments")
            arguments = tuple(self.value(a, depth + 1) for a in node.arguments)
            return ("call", self.value(node.callee, depth + 1), arguments)
        if kind == "MemberExpression":
            return self.member(node, depth)
        if kind == "ConditionalExpression":
            return ("either", self.value(node.consequent, depth + 1), self.value(node.alternate, depth + 1))
        if kind == "LogicalExpression":
            if node.operator == "&&":
                return unknown_expr("`&&`")
            return ("or", self.value(node.left, depth + 1), self.value(node.right, depth + 1))
        if kind == "ObjectExpression":
            return self.object(node, depth)
        if kind == "Literal":
            falsy = (node.value is None or node.value is False) and getattr(node, "regex", None) is None
            return ("falsy",) if falsy else ("val",)  # null, false
        if kind == "UnaryExpression":
            return ("falsy",) if node.operator == "void" else ("val",)
        if kind in _NOT_FUNCTIONS:
            return ("val",)
        return unknown_expr("not read")

    def member(self, node: Any, depth: int) -> Expr:
        target, key = node.object, node.property
        if not node.computed:
            return ("get", self.value(target, depth + 1), self.walk.name(key))
        if key.type == "Literal" and isinstance(key.value, str):
            return ("get", self.value(target, depth + 1), key.value)
        arguments = target.type == "Identifier" and target.name == "arguments" and key.type == "Literal"
        return self.computed_read(self.walk.text(key) if arguments else None)

    def object(self, node: Any, depth: int) -> Expr:
        properties: list[tuple[str, Expr]] = []
        for item in node.properties:
            if item.type != "Property" or item.computed or item.kind != "init":
                return unknown_expr("an object with spread, computed or accessor properties")
            key = item.key
            if key.type == "Identifier":
                name = self.walk.name(key)
            elif key.type == "Literal" and isinstance(key.value, str):
                name = key.value
            else:
                return unknown_expr("an object with numeric keys")
            properties.append((name, self.value(item.value, depth + 1)))
        return ("obj", tuple(properties))

    def function(self, node: Any, depth: int = 0) -> Expr:
        """("fn", params, returns, locals, kind) of a function literal or declaration."""
        params = param_rows([p for p in map(self.walk.param, node.params) if p is not None])
        arrow = node.type == "ArrowFunctionExpression"
        kind = function_kind(generator=bool(node.generator), is_async=bool(node.isAsync), arrow=arrow)
        body = node.body
        if body.type != "BlockStatement":  # an arrow's expression body
            return self.expression_body(params, kind, body, depth)
        return self.body(params, kind, body.body, self.walk.terminates(body), depth)

    def statement(self, node: Any, top: bool, facts: BodyFacts, pending: list[Any], depth: int) -> None:
        kind = node.type
        walk = self.walk
        if kind == "ReturnStatement":
            value = self.value(node.argument, depth + 1) if node.argument is not None else ("falsy",)
            facts.returns.append((node.range[0], value))
        elif kind == "FunctionDeclaration":
            if node.id is not None:
                facts.declare(walk.name(node.id), self.function(node, depth + 1) if top else None)
        elif kind == "VariableDeclaration":
            for declarator in node.declarations:
                constant = top and node.kind == "const" and declarator.id.type == "Identifier"
                init = declarator.init
                for name, _ in walk.pattern_names(declarator.id):
                    facts.declare(name, self.value(init, depth + 1) if constant and init is not None else None)
        elif kind == "ClassDeclaration":
            if node.id is not None:
                facts.declare(walk.name(node.id), ("val",))
        elif kind == "ExpressionStatement":
            expression = node.expression
            if expression.type == "AssignmentExpression":
                target = _assigned(expression.left)
                if target is not None:
                    facts.declare(walk.name(target), None)
        elif kind == "BlockStatement":
            pending.extend((s, False) for s in reversed(node.body))
        elif kind == "IfStatement":
            pending.extend((n, False) for n in (node.alternate, node.consequent) if n is not None)
        elif kind == "SwitchStatement":
            pending.extend((s, False) for case in reversed(node.cases) for s in reversed(case.consequent))
        elif kind == "TryStatement":
            handler = node.handler.body if node.handler is not None else None
            pending.extend((n, False) for n in (node.finalizer, handler, node.block) if n is not None)
            if node.handler is not None and node.handler.param is not None:
                for name, _ in walk.pattern_names(node.handler.param):
                    facts.declare(name, None)
        elif kind in _LOOPS or kind == "LabeledStatement":
            pending.append((node.body, False))
            head = getattr(node, "init", None) or getattr(node, "left", None)
            if head is not None and head.type == "VariableDeclaration":
                pending.append((head, False))


def _assigned(left: Any) -> Any:
    """The local an assignment makes unknown: `x = …` (`+=`…), and `x.prototype = …`,
    `x.prototype.y = …` (a constructor being built: not taken for a plain function)."""
    if left.type == "Identifier":
        return left
    for _ in range(2):
        if left.type != "MemberExpression" or left.computed:
            return None
        if left.property.type == "Identifier" and left.property.name == "prototype":
            return left.object if left.object.type == "Identifier" else None
        left = left.object
    return None
