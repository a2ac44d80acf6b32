"""A CommonJS file on esprima-fork (parsed as a script): the tree-sitter walk's rules
(parsing/tree_sitter_commonjs.py) on ESTree nodes, reported to parsing/commonjs.py."""

from __future__ import annotations

from typing import Any

from codetracker.domain.model import ModuleSyntax
from codetracker.parsing.commonjs import CommonJsExports, CommonJsRules, CommonJsValue, OtherValue
from codetracker.parsing.esprima_backend import _ASSIGNING_STATEMENTS, _Walk


class CommonJsWalk(_Walk, CommonJsRules):
    """One CommonJS file: what it assigns to module.exports, reported to a CommonJsExports."""

    __slots__ = ("exports",)

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.exports: CommonJsExports[Any] = CommonJsExports(self.collector)

    def release(self) -> None:
        super().release()
        del self.exports

    def run(self, program: Any) -> ModuleSyntax:
        self.statements(program.body, factory_allowed=True)
        return self.exports.result()

    def statements(self, nodes: Any, *, factory_allowed: bool, guarded: bool = False) -> None:
        """`guarded`: the branches of an `if`, where only assignments are read (see the tree-sitter walk)."""
        collector = self.collector
        for node in nodes:
            kind = node.type
            if kind == "IfStatement":
                branches = [n for n in (node.consequent, node.alternate) if n is not None]
                self.statements(branches, factory_allowed=factory_allowed, guarded=True)
                continue
            if kind == "BlockStatement" and guarded:
                self.statements(node.body, factory_allowed=factory_allowed, guarded=True)
                continue
            start, end = node.range
            statement = collector.add_statement(start, end)
            if kind == "ExpressionStatement":
                self.expression(node.expression, statement, factory_allowed=factory_allowed)
            elif guarded:
                continue
            elif kind == "FunctionDeclaration" and node.id is not None:
                self.bind(node.id, node, statement, value=self.values.function(node))
            elif kind == "VariableDeclaration":
                self.declarators(node, statement, export_offset=None)
            elif kind == "ClassDeclaration" and node.id is not None:
                self.bind(node.id, None, statement)
            elif kind in _ASSIGNING_STATEMENTS:  # as the ES walk: what a loop or block assigns is unknown
                collector.assigned(self.values.assigned_names(node))

    def expression(self, node: Any, statement: int, *, factory_allowed: bool) -> None:
        kind = node.type
        if kind == "UnaryExpression" and node.operator == "!":  # `!function (…) {…}(…)`
            node, kind = node.argument, "CallExpression"
            if node.type != kind:
                return
        if kind == "SequenceExpression":
            for part in node.expressions:
                self.expression(part, statement, factory_allowed=False)
        elif kind == "AssignmentExpression" and node.operator == "=":
            self.assignment(node, statement)
        elif kind == "CallExpression":
            self.call(node, statement, factory_allowed=factory_allowed)

    def assignment(self, node: Any, statement: int) -> None:
        targets = [node.left]
        value = node.right
        while value.type == "AssignmentExpression" and value.operator == "=":
            targets.append(value.left)
            value = value.right
        chain = [(target.range[0], self.export_target(target)) for target in targets]
        self.exports.assign_chain(chain, lambda: self.value(value), statement)

    def export_target(self, target: Any) -> str | None | bool:
        if self.is_module_exports(target):
            return None
        if target.type != "MemberExpression":
            return False
        property_ = target.property
        if not target.computed:
            name = self.name(property_)
        elif property_.type == "Literal" and isinstance(property_.value, str):
            name = self.name(property_)
        else:
            return False
        owner = target.object
        if not (self.is_name(owner, "exports") or self.is_module_exports(owner)):
            return False
        return name

    def is_module_exports(self, node: Any) -> bool:
        return (
            node.type == "MemberExpression"
            and not node.computed
            and self.name(node.property) == "exports"
            and self.is_name(node.object, "module")
        )

    def is_name(self, node: Any, name: str) -> bool:
        return node is not None and node.type == "Identifier" and self.name(node) == name

    def call(self, node: Any, statement: int, *, factory_allowed: bool) -> None:
        callee, args = node.callee, list(node.arguments)
        if factory_allowed and callee.type == "FunctionExpression":  # never `define([…], function (exports) {})`
            factory = next((f for f in [callee, *args] if self.is_umd_factory(f)), None)
            if factory is None and callee.type == "FunctionExpression":  # an IIFE: its body is the module's
                factory = callee
            if factory is not None:
                if factory.body.type == "BlockStatement":
                    self.statements(factory.body.body, factory_allowed=False)
                return
        name = callee.property if callee.type == "MemberExpression" and not callee.computed else callee
        called = self.name(name) if name.type == "Identifier" else None
        self.helper_call(called, callee, args, statement)

    def define_property(self, args: list[Any], statement: int) -> None:
        owner, key, descriptor = args
        if not (self.is_name(owner, "exports") or self.is_module_exports(owner)):
            return
        if key.type != "Literal" or not isinstance(key.value, str) or descriptor.type != "ObjectExpression":
            return
        value: CommonJsValue = OtherValue()
        for member in descriptor.properties:
            if member.type != "Property" or member.computed:
                continue
            field = self.name(member.key)
            if field == "value" and not member.method:
                value = self.value(member.value) or OtherValue()
            elif field == "get":
                value = self.getter(member.value)
        self.exports.assign(self.name(key), value, key.range[0], statement)

    def is_umd_factory(self, node: Any) -> bool:
        return node.type == "FunctionExpression" and any(self.is_name(p, "exports") for p in node.params)

    # --- the node views CommonJsRules reads ------------------------------------------------------------

    def is_void(self, node: Any) -> bool:
        return bool(node.type == "UnaryExpression" and node.operator == "void")

    def named_member(self, node: Any) -> tuple[str, str] | None:
        return self.member_parts(node)

    def literal_name(self, function: Any) -> str | None:
        function_id = getattr(function, "id", None)
        return self.name(function_id) if function_id is not None else None

    def object_members(self, node: Any) -> list[Any] | None:
        return list(node.properties) if node.type == "ObjectExpression" else None

    def property_parts(self, member: Any) -> tuple[str, Any] | None:
        if member.type == "Property" and not member.computed and member.kind == "init" and not member.method:
            key = member.key
            if key.type == "Identifier" or (key.type == "Literal" and isinstance(key.value, str)):
                return self.name(key), member.value
        return None

    def spread_argument(self, member: Any) -> Any:
        return member.argument if member.type == "SpreadElement" else None

    def called_with(self, node: Any) -> tuple[str | None, list[Any], str | None] | None:
        key = None
        if node.type == "MemberExpression":
            if node.computed or node.property.type != "Identifier":
                return None
            key = self.name(node.property)
            node = node.object
        if node.type != "CallExpression":
            return None
        callee = node.callee
        return self.name(callee) if callee.type == "Identifier" else None, list(node.arguments), key

    def string_value(self, node: Any) -> str | None:
        return self.name(node) if node.type == "Literal" and isinstance(node.value, str) else None

    def returned_expression(self, function: Any) -> Any:
        body = getattr(function, "body", None)
        statements = body.body if body is not None and body.type == "BlockStatement" else []
        if len(statements) == 1 and statements[0].type == "ReturnStatement":
            return statements[0].argument
        return None
