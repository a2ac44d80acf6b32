"""A CommonJS file on tree-sitter: its assignments to module.exports, classified for parsing/commonjs.py.

The top-level statements are walked as an ES module's are (declarations bind names; `var x = require("./x")`
binds an import), and so is the body of a UMD factory: a function literal with a parameter named `exports`
that a top-level call of a function literal is given or is (`(function (g, f) {…}(this, function (exports)
{…}))`), else the body of that called literal (an IIFE). An AMD module (`define([…], function (exports)
{…})`) is none: Node has no `define`, its import fails.
The esprima backend's walk (parsing/esprima_commonjs.py) applies the same rules to ESTree nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from codetracker.domain.model import ModuleSyntax
from codetracker.parsing.commonjs import CommonJsExports, CommonJsRules, CommonJsValue, OtherValue
from codetracker.parsing.source_text import string_literal_value
from codetracker.parsing.tree_sitter_functions import _unparenthesized
from codetracker.parsing.tree_sitter_walk import _NOT_STATEMENTS, _TreeWalk

if TYPE_CHECKING:
    from codetracker.parsing.tree_sitter_backend import TreeSitterParser


class CommonJsTreeWalk(_TreeWalk, CommonJsRules):
    """One CommonJS file: what it assigns to module.exports, reported to a CommonJsExports."""

    __slots__ = ("exports",)
    early_errors = False  # a script: ES module early errors do not apply

    def __init__(self, source: str, data: bytes, backend: TreeSitterParser) -> None:
        super().__init__(source, data, backend)
        self.exports: CommonJsExports[Any] = CommonJsExports(self.collector)

    def release(self) -> None:
        super().release()
        del self.exports

    def run(self, root: Any) -> ModuleSyntax:
        if root.has_error:
            self.check_errors(root)
        self.root = root
        self.statements(root.children, factory_allowed=True)
        return self.exports.result()

    def statements(self, nodes: Any, *, factory_allowed: bool, guarded: bool = False) -> None:
        """`guarded`: the branches of an `if` (`if (typeof module !== "undefined") module.exports = f`),
        where only assignments are read (a declaration there is no binding of the top level)."""
        collector, pos = self.collector, self.pos
        for node in nodes:
            kind = node.type
            if kind in _NOT_STATEMENTS or kind in ("{", "}"):
                continue
            if kind in ("export_statement", "import_statement"):  # a script has none: esprima fails the same
                raise self.fail(node, f"{kind.split('_')[0]} statement in a CommonJS file")
            if kind == "if_statement":
                self.statements(self.branches(node), factory_allowed=factory_allowed, guarded=True)
                continue
            if kind == "statement_block" and guarded:
                self.statements(node.children, factory_allowed=factory_allowed, guarded=True)
                continue
            statement = collector.add_statement(pos(node.start_byte), pos(self.code_end(node)))
            if kind == "expression_statement":
                expression = next((c for c in node.named_children if c.type != "comment"), None)
                if expression is not None:
                    self.expression(expression, statement, factory_allowed=factory_allowed)
            elif not guarded:
                self.statement(node, kind, statement)

    def branches(self, node: Any) -> list[Any]:
        """The statements an `if` may run: its consequence and its `else` (another `if` included)."""
        found = [node.child_by_field_name("consequence")]
        alternative = node.child_by_field_name("alternative")
        if alternative is not None:
            found.extend(c for c in alternative.named_children if c.type != "comment")
        return [n for n in found if n is not None]

    def expression(self, node: Any, statement: int, *, factory_allowed: bool) -> None:
        node = _unparenthesized(node)
        kind = node.type
        if kind == "unary_expression" and node.child(0).type == "!":  # `!function (…) {…}(…)`
            node, kind = _unparenthesized(node.child_by_field_name("argument")), "call_expression"
            if node.type != kind:
                return
        if kind == "sequence_expression":
            for part in node.named_children:
                if part.type != "comment":
                    self.expression(part, statement, factory_allowed=False)
        elif kind == "assignment_expression":
            self.assignment(node, statement)
        elif kind == "call_expression":
            self.call(node, statement, factory_allowed=factory_allowed)

    def assignment(self, node: Any, statement: int) -> None:
        """`module.exports = v`, `exports.a = module.exports.b = v` (each target gets v)."""
        targets = [node.child_by_field_name("left")]
        value = _unparenthesized(node.child_by_field_name("right"))
        while value.type == "assignment_expression":
            targets.append(value.child_by_field_name("left"))
            value = _unparenthesized(value.child_by_field_name("right"))
        chain = [(self.pos(target.start_byte), self.export_target(target)) for target in targets]
        self.exports.assign_chain(chain, lambda: self.value(value), statement)

    def export_target(self, target: Any) -> str | None | bool:
        """None for `module.exports`, the name for `exports.X`, `module.exports.X`, `exports["X"]`, else False."""
        if self.is_module_exports(target):
            return None
        if target.type == "member_expression":
            property_ = target.child_by_field_name("property")
            name = self.text(property_) if property_ is not None else None
        elif target.type == "subscript_expression":
            index = _unparenthesized(target.child_by_field_name("index"))
            name = string_literal_value(self.text(index)) if index.type == "string" else None
        else:
            return False
        owner = _unparenthesized(target.child_by_field_name("object"))
        if name is None or not (self.is_name(owner, "exports") or self.is_module_exports(owner)):
            return False
        return name

    def is_module_exports(self, node: Any) -> bool:
        node = _unparenthesized(node)
        if node.type != "member_expression":
            return False
        property_ = node.child_by_field_name("property")
        owner = _unparenthesized(node.child_by_field_name("object"))
        return property_ is not None and self.text(property_) == "exports" and self.is_name(owner, "module")

    def is_name(self, node: Any, name: str) -> bool:
        return node.type == "identifier" and self.text(node) == name

    def call(self, node: Any, statement: int, *, factory_allowed: bool) -> None:
        callee = _unparenthesized(node.child_by_field_name("function"))
        arguments = node.child_by_field_name("arguments")
        args = [_unparenthesized(a) for a in arguments.named_children if a.type != "comment"] if arguments else []
        if factory_allowed and callee.type == "function_expression":  # never `define([…], function (exports) {})`
            factory = next((f for f in [callee, *args] if self.is_umd_factory(f)), None)
            if factory is None and callee.type == "function_expression":  # an IIFE: its body is the module's
                factory = callee
            if factory is not None:
                body = factory.child_by_field_name("body")
                if body is not None and body.type == "statement_block":
                    self.statements(body.children, factory_allowed=False)
                return
        name = callee.child_by_field_name("property") if callee.type == "member_expression" else callee
        called = self.text(name) if name is not None else None
        self.helper_call(called, callee, args, statement)

    def define_property(self, args: list[Any], statement: int) -> None:
        """`Object.defineProperty(exports, "X", { value: v })`; a getter is the value it returns when that is a
        name (`get: function () { return x; }`), else undecided."""
        owner, key, descriptor = args
        if not (self.is_name(owner, "exports") or self.is_module_exports(owner)) or key.type != "string":
            return
        if descriptor.type != "object":
            return
        value: CommonJsValue = OtherValue()
        for member in descriptor.named_children:
            if member.type == "pair":
                field = self.text(member.child_by_field_name("key"))
                if field == "value":
                    value = self.value(member.child_by_field_name("value")) or OtherValue()
                elif field == "get":
                    value = self.getter(member.child_by_field_name("value"))
            elif member.type == "method_definition" and self.text(member.child_by_field_name("name")) == "get":
                value = self.getter(member)
        self.exports.assign(string_literal_value(self.text(key)), value, self.pos(key.start_byte), statement)

    def is_umd_factory(self, node: Any) -> bool:
        if node.type not in ("function_expression", "function"):
            return False
        parameters = node.child_by_field_name("parameters")
        return parameters is not None and any(self.is_name(p, "exports") for p in parameters.named_children)

    # --- the node views CommonJsRules reads ------------------------------------------------------------

    def is_void(self, node: Any) -> bool:
        return node.type == "unary_expression" and node.child(0).type == "void"

    def named_member(self, node: Any) -> tuple[str, str] | None:
        if node.type != "member_expression":
            return None
        owner = _unparenthesized(node.child_by_field_name("object"))
        key = node.child_by_field_name("property")
        if owner.type == "identifier" and key is not None and key.type == "property_identifier":
            return self.name(owner), self.text(key)
        return None

    def literal_name(self, function: Any) -> str | None:
        name = function.child_by_field_name("name")
        return self.name(name) if name is not None else None

    def object_members(self, node: Any) -> list[Any] | None:
        return [m for m in node.named_children if m.type != "comment"] if node.type == "object" else None

    def property_parts(self, member: Any) -> tuple[str, Any] | None:
        if member.type == "shorthand_property_identifier":
            return self.name(member), None
        if member.type == "pair":
            key = member.child_by_field_name("key")
            if key.type in ("property_identifier", "string"):
                name = string_literal_value(self.text(key)) if key.type == "string" else self.text(key)
                return name, member.child_by_field_name("value")
        return None

    def spread_argument(self, member: Any) -> Any:
        if member.type != "spread_element":
            return None
        return next((c for c in member.named_children if c.type != "comment"), None)

    def called_with(self, node: Any) -> tuple[str | None, list[Any], str | None] | None:
        node = _unparenthesized(node)
        key = None
        if node.type == "member_expression":
            property_ = node.child_by_field_name("property")
            if property_ is None or property_.type != "property_identifier":
                return None
            key = self.text(property_)
            node = _unparenthesized(node.child_by_field_name("object"))
        if node.type != "call_expression":
            return None
        callee = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        args = [a for a in arguments.named_children if a.type != "comment"] if arguments is not None else []
        return self.text(callee) if callee.type == "identifier" else None, args, key

    def string_value(self, node: Any) -> str | None:
        return string_literal_value(self.text(node)) if node.type == "string" else None

    def returned_expression(self, function: Any) -> Any:
        body = function.child_by_field_name("body")
        statements = [c for c in body.named_children if c.type != "comment"] if body is not None else []
        if len(statements) == 1 and statements[0].type == "return_statement":
            return next((c for c in statements[0].named_children if c.type != "comment"), None)
        return None


def parse_commonjs(backend: TreeSitterParser, source: str) -> ModuleSyntax:
    """The CommonJS exports of `source` (ParseFailure when tree-sitter's tree has errors)."""
    data = source.encode("utf-8", "surrogatepass")
    walk = CommonJsTreeWalk(source, data, backend)
    try:
        return walk.run(backend._parser().parse(data).root_node)
    finally:
        walk.release()
