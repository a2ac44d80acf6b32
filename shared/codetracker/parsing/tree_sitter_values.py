"""Value expressions (domain/call_values.py `Expr`) of tree-sitter nodes: what a top-level binding is
written as, for the evaluation of calls across files (domain/call_evaluation.py). The esprima backend builds
the same from its nodes (parsing/esprima_values.py); the differential tests hold them equal."""

from __future__ import annotations

from typing import Any

from codetracker.domain.call_values import Expr, param_rows, unknown_expr
from codetracker.parsing.source_text import string_literal_value
from codetracker.parsing.tree_sitter_functions import parameter_nodes
from codetracker.parsing.value_walk import BodyFacts, ValueWalker, Walk, function_kind

_FUNCTIONS = frozenset(
    {
        "function_expression",
        "generator_function",
        "arrow_function",
        "function_declaration",
        "generator_function_declaration",
    }
)
_DECLARATIONS = frozenset({"function_declaration", "generator_function_declaration"})
_GENERATORS = frozenset({"generator_function", "generator_function_declaration"})
_NOT_FUNCTIONS = frozenset({"number", "string", "template_string", "array", "regex", "true", "class"})
_FALSY = frozenset({"null", "undefined", "false"})
_LOOPS = frozenset({"for_statement", "for_in_statement", "while_statement", "do_statement", "labeled_statement"})


def _named(node: Any) -> list[Any]:
    return [child for child in node.named_children if child.type != "comment"]


# TypeScript's wrappers of a value that keep it the same value: `(f) as Handler`, `f satisfies H`, `f!`.
_VALUE_WRAPPERS = frozenset(
    {"parenthesized_expression", "as_expression", "satisfies_expression", "non_null_expression"}
)


def _unparenthesized(node: Any) -> Any:
    while node.type in _VALUE_WRAPPERS:
        inner = _named(node)
        if not inner or (len(inner) != 1 and node.type == "parenthesized_expression"):
            return node
        node = inner[0]
    return node


class TreeSitterValues(ValueWalker):
    def expression(self, node: Any, depth: int) -> Expr:
        node = _unparenthesized(node)
        kind = node.type
        walk = self.walk
        if kind in _FUNCTIONS:
            return self.function(node, depth)
        if kind == "identifier":
            return ("ref", walk.name(node))
        if kind == "call_expression":
            return self.call(node, depth)
        if kind == "member_expression":
            key = node.child_by_field_name("property")
            if _optional(node):
                return unknown_expr("not read")  # esprima's ChainExpression
            if key is None or key.type != "property_identifier":
                return unknown_expr("a computed property")
            return ("get", self.value(node.child_by_field_name("object"), depth + 1), walk.name(key))
        if kind == "subscript_expression":
            return self.subscript(node, depth)
        if kind == "ternary_expression":
            consequence, alternative = node.child_by_field_name("consequence"), node.child_by_field_name("alternative")
            return ("either", self.value(consequence, depth + 1), self.value(alternative, depth + 1))
        if kind == "binary_expression":
            operator = node.child_by_field_name("operator")
            if operator is None or operator.type not in ("||", "??"):
                return unknown_expr("`&&`") if operator is not None and operator.type == "&&" else ("val",)
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            return ("or", self.value(left, depth + 1), self.value(right, depth + 1))
        if kind == "object":
            return self.object(node, depth)
        if kind in _FALSY:
            return ("falsy",)
        if kind == "unary_expression":
            operator = node.child_by_field_name("operator")
            return ("falsy",) if operator is not None and operator.type == "void" else ("val",)
        if kind in _NOT_FUNCTIONS:
            return ("val",)
        return unknown_expr("not read")

    def call(self, node: Any, depth: int) -> Expr:
        arguments = node.child_by_field_name("arguments")
        if arguments is None or arguments.type != "arguments" or _optional(node):
            return unknown_expr("not read")
        nodes = _named(arguments)
        if any(a.type == "spread_element" for a in nodes):
            return unknown_expr("a call with spread arguments")
        callee = self.value(node.child_by_field_name("function"), depth + 1)
        return ("call", callee, tuple(self.value(a, depth + 1) for a in nodes))

    def subscript(self, node: Any, depth: int) -> Expr:
        target, key = node.child_by_field_name("object"), node.child_by_field_name("index")
        if _optional(node):
            return unknown_expr("not read")  # esprima's ChainExpression
        if key is None:
            return unknown_expr("a computed property")
        if key.type == "string":
            return ("get", self.value(target, depth + 1), string_literal_value(self.walk.text(key)))
        arguments = target.type == "identifier" and self.walk.text(target) == "arguments" and key.type == "number"
        return self.computed_read(self.walk.text(key) if arguments else None)

    def object(self, node: Any, depth: int) -> Expr:
        properties: list[tuple[str, Expr]] = []
        walk = self.walk
        for item in _named(node):
            kind = item.type
            if kind == "shorthand_property_identifier":
                properties.append((walk.name(item), ("ref", walk.name(item))))
                continue
            key = item.child_by_field_name("name" if kind == "method_definition" else "key")
            if kind not in ("pair", "method_definition") or key is None:
                return unknown_expr("an object with spread, computed or accessor properties")
            if kind == "method_definition" and any(c.type in ("get", "set") for c in item.children):
                return unknown_expr("an object with spread, computed or accessor properties")
            if key.type == "property_identifier":
                name = walk.name(key)
            elif key.type == "string":
                name = string_literal_value(walk.text(key))
            elif key.type == "number":
                return unknown_expr("an object with numeric keys")
            else:
                return unknown_expr("an object with spread, computed or accessor properties")
            value = item if kind == "method_definition" else item.child_by_field_name("value")
            properties.append(
                (name, self.function(value, depth + 1) if value is item else self.value(value, depth + 1))
            )
        return ("obj", tuple(properties))

    def function(self, node: Any, depth: int = 0) -> Expr:
        """("fn", params, returns, locals, kind) of a function literal, declaration or method."""
        nodes = parameter_nodes(node)
        params = param_rows([p for p in map(self.walk.param, nodes) if p is not None])  # TypeScript: no `this`
        tokens = {child.type for child in node.children if not child.is_named}
        generator = node.type in _GENERATORS or "*" in tokens
        kind = function_kind(generator=generator, is_async="async" in tokens, arrow=node.type == "arrow_function")
        body = node.child_by_field_name("body")
        if body is None:
            return ("fn", params, None, (), kind)
        if body.type != "statement_block":  # an arrow's expression body
            return self.expression_body(params, kind, body, depth)
        return self.body(params, kind, _named(body), self.walk.terminates(body), depth)

    def statement(self, node: Any, top: bool, facts: BodyFacts, pending: list[Any], depth: int) -> None:
        kind = node.type
        walk = self.walk
        if kind == "return_statement":
            values = _named(node)
            facts.returns.append((node.start_byte, self.value(values[0], depth + 1) if values else ("falsy",)))
        elif kind in _DECLARATIONS:
            name = node.child_by_field_name("name")
            if name is not None:
                facts.declare(walk.name(name), self.function(node, depth + 1) if top else None)
        elif kind in ("lexical_declaration", "variable_declaration"):
            constant = top and node.child(0) is not None and node.child(0).type == "const"
            for declarator in _named(node):
                target = declarator.child_by_field_name("name")
                if declarator.type != "variable_declarator" or target is None:
                    continue
                init = declarator.child_by_field_name("value")
                known = constant and target.type == "identifier" and init is not None
                for name, _ in walk.pattern_names(target):
                    facts.declare(name, self.value(init, depth + 1) if known else None)
        elif kind == "class_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                facts.declare(walk.name(name), ("val",))
        elif kind == "expression_statement":
            expression = _named(node)
            if expression and expression[0].type in ("assignment_expression", "augmented_assignment_expression"):
                target = _assigned(expression[0].child_by_field_name("left"), walk)
                if target is not None:
                    facts.declare(walk.name(target), None)
        elif kind == "statement_block":
            pending.extend((s, False) for s in reversed(_named(node)))
        elif kind == "if_statement":
            for field in ("alternative", "consequence"):
                branch = node.child_by_field_name(field)
                if branch is not None:
                    pending.extend((s, False) for s in reversed(_named(branch) if field == "alternative" else [branch]))
        elif kind == "switch_statement":
            body = node.child_by_field_name("body")
            cases = _named(body) if body is not None else []
            pending.extend(
                (s, False)
                for case in reversed(cases)
                for s in reversed([s for s in case.children_by_field_name("body") if s.type != "comment"])
            )
        elif kind == "try_statement":
            handler = node.child_by_field_name("handler")
            for part in (node.child_by_field_name("finalizer"), handler, node.child_by_field_name("body")):
                if part is not None:
                    inner = part.child_by_field_name("body") if part.type != "statement_block" else part
                    if inner is not None:
                        pending.append((inner, False))
            parameter = handler.child_by_field_name("parameter") if handler is not None else None
            if parameter is not None:
                for name, _ in walk.pattern_names(parameter):
                    facts.declare(name, None)
        elif kind in _LOOPS:
            body = node.child_by_field_name("body")
            if body is not None:
                pending.append((body, False))
            head = node.child_by_field_name("initializer")
            if head is not None and head.type in ("lexical_declaration", "variable_declaration"):
                pending.append((head, False))
            left = node.child_by_field_name("left") if node.child_by_field_name("kind") is not None else None
            if left is not None:
                for name, _ in walk.pattern_names(left):
                    facts.declare(name, None)


_CHAIN_LINKS = frozenset({"member_expression", "subscript_expression", "call_expression"})


def _optional(node: Any) -> bool:
    """Whether the node is part of an optional chain (`a?.b.c()`, `a?.[k]`, `f?.()`): read as unknown as
    a whole, as the esprima backend reads a ChainExpression."""
    while node is not None and node.type in _CHAIN_LINKS:
        if any(child.type == "optional_chain" for child in node.children):
            return True
        # `(a?.b).c`: the parentheses end the chain (ESTree: a member of a ChainExpression)
        node = node.child_by_field_name("function" if node.type == "call_expression" else "object")
    return False


def _assigned(left: Any, walk: Walk) -> Any:
    """The local an assignment makes unknown: `x = …` (`+=`…), and `x.prototype = …`,
    `x.prototype.y = …` (a constructor being built: not taken for a plain function)."""
    if left is None:
        return None
    left = _unparenthesized(left)
    if left.type == "identifier":
        return left
    for _ in range(2):
        if left.type != "member_expression":
            return None
        key, target = left.child_by_field_name("property"), left.child_by_field_name("object")
        if key is not None and key.type == "property_identifier" and walk.text(key) == "prototype":
            return target if target is not None and target.type == "identifier" else None
        left = target
    return None
