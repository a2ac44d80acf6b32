"""The TypeScript (and TSX) walk over tree-sitter-typescript's tree: the JavaScript walk plus types.

What TypeScript adds, and how it is read:
- parameters carry their annotation (`a: T`), optionality (`a?: T`) and stay rest/defaulted as in
  JavaScript; a `this` parameter is no parameter of the call and is dropped;
- functions carry their return annotation and type parameters (`<T extends X>`), text as written on one
  line (domain.patterns.normalize_type);
- overloads: signatures (`function f(a: string): void;`) written before an implementation, or declared
  (`export declare function f…` repeated), are the API: each is exported as its own function, numbered;
  the implementation's signature is not (callers cannot call it). A lone signature is a plain function;
- `export declare function`, `export declare const f: (a: A) => R` (a const of a function type) export
  functions; `export =` makes the file CommonJS (not read); `export as namespace` is a UMD global;
- `export type`/`interface`/`enum` (declared or not), `export type { … }` and `export { type T }` are
  counted as type exports, never functions;
- namespaces, interfaces, types and enums bind no value name here: TypeScript merges them with a value of
  the same name, which stays what `export { name }` refers to.
Module-level early errors are tsc's business (overloads and merging redeclare names legally): off here.
Any error node fails the file; no other backend reads TypeScript, so the failure is the answer.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from codetracker.domain.call_values import Factory
from codetracker.domain.model import ParamSyntax
from codetracker.domain.patterns import normalize_type
from codetracker.parsing.exports import DEFAULT, NAMED
from codetracker.parsing.function_shape import FunctionShape
from codetracker.parsing.source_text import identifier_name, string_literal_value
from codetracker.parsing.tree_sitter_functions import (
    _FUNCTION_VALUES,
    _reads_arguments,
    _unparenthesized,
    is_async,
    is_generator,
    parameter_nodes,
)
from codetracker.parsing.tree_sitter_walk import _TreeWalk

_TYPE_DECLARATIONS = frozenset({"interface_declaration", "type_alias_declaration", "enum_declaration"})
_CLASSES = frozenset({"class_declaration", "abstract_class_declaration"})
_NAMESPACES = frozenset({"internal_module", "module"})
_PARAMETERS = frozenset({"required_parameter", "optional_parameter"})
# Wrappers of a value that keep it the same function: `(f) as Handler`, `f satisfies Handler`, `f!`.
_VALUE_WRAPPERS = frozenset({"as_expression", "satisfies_expression", "non_null_expression"})


class _Overloads:
    """The signatures of one function name, in source order: (node, statement index)."""

    __slots__ = ("signatures", "implemented")

    def __init__(self) -> None:
        self.signatures: list[tuple[Any, int]] = []
        self.implemented = False


class TypeScriptWalk(_TreeWalk):
    __slots__ = ("overloads", "type_names", "anonymous")
    early_errors = False
    function_values = _FUNCTION_VALUES | {"function_type"}

    def __init__(self, source: str, data: bytes, backend: Any, anonymous: frozenset[int] = frozenset()) -> None:
        """`anonymous`: byte offsets of names put in for anonymous default signatures (the backend's
        name_anonymous_default_signatures); those functions stay anonymous."""
        super().__init__(source, data, backend)
        self.overloads: dict[str, _Overloads] = {}
        self.type_names: set[str] = set()
        self.anonymous = anonymous

    def check_errors(self, root: Any) -> None:
        if root.is_error:
            super().check_errors(root)
        for node in root.children:
            if node.has_error or node.is_missing or node.is_error:
                raise self.first_error(node)

    # --- statements ---------------------------------------------------------------------------------

    def statement(self, node: Any, kind: str, statement: int) -> None:
        if kind == "function_signature":
            self.signature(node, statement, export=None)
        elif kind == "ambient_declaration":
            self.ambient(node, statement, export=None)
        elif kind in _TYPE_DECLARATIONS or kind in _NAMESPACES:
            self.type_declaration(node)
        elif kind == "abstract_class_declaration":
            name = node.child_by_field_name("name")
            if name is not None:
                self.collector.bind(self.name(name), None, statement, lexical=True, offset=self.pos(name.start_byte))
        elif kind in ("function_declaration", "generator_function_declaration") and self.implements(node):
            return
        elif kind == "import_statement" and any(c.type == "import_require_clause" for c in node.children):
            self.import_require(node, statement)
        elif kind == "expression_statement" and node.child(0) is not None and node.child(0).type in _NAMESPACES:
            self.type_declaration(node.child(0))
        else:
            super().statement(node, kind, statement)

    def implements(self, node: Any) -> bool:
        """An implementation of overloads written before it: not part of the API, not bound again."""
        name = node.child_by_field_name("name")
        group = self.overloads.get(self.name(name)) if name is not None else None
        if group is None:
            return False
        group.implemented = True
        return True

    def type_declaration(self, node: Any) -> None:
        name = node.child_by_field_name("name")
        if name is not None:
            self.type_names.add(self.text(name))

    def import_require(self, node: Any, statement: int) -> None:
        """`import x = require('m')`: binds x."""
        self.collector.is_module = True
        for clause in node.children:
            if clause.type == "import_require_clause":
                name = next((c for c in clause.children if c.type == "identifier"), None)
                if name is not None:
                    offset = self.pos(name.start_byte)
                    self.collector.bind(self.name(name), None, statement, lexical=True, offset=offset)

    def signature(self, node: Any, statement: int, *, export: tuple[int, bool] | None) -> None:
        """A function signature (an overload or a declared function). `export`: (offset, is_default)."""
        name_node = node.child_by_field_name("name")
        if name_node is not None and name_node.start_byte in self.anonymous:
            name_node = None
        if name_node is None:  # `export default function (a: A): R;` (a declaration file)
            if export is not None and export[1]:
                anonymous_group = _Overloads()
                anonymous_group.signatures.append((node, statement))
                self.collector.export_function(DEFAULT, None, DEFAULT, anonymous_group, export[0], statement)
            return
        name = self.name(name_node)
        group = self.overloads.get(name)
        if group is not None and not group.implemented:
            group.signatures.append((node, statement))
            return
        group = self.overloads[name] = _Overloads()
        group.signatures.append((node, statement))
        collector = self.collector
        collector.bind(name, group, statement, lexical=True, offset=self.pos(name_node.start_byte))
        if export is not None:
            offset, is_default = export
            if is_default:
                collector.export_function(DEFAULT, name, DEFAULT, group, offset, statement)
            else:
                collector.export_function(name, name, NAMED, group, offset, statement)

    def ambient(self, node: Any, statement: int, *, export: tuple[int, bool] | None) -> None:
        """`declare …`: a function signature, a const of a function type, a class, a type or namespace."""
        inner = next((c for c in node.named_children if c.type != "comment"), None)
        if inner is None:
            return
        kind = inner.type
        if kind == "function_signature":
            self.signature(inner, statement, export=export)
        elif kind in ("lexical_declaration", "variable_declaration"):
            self.declarators(inner, statement, export_offset=export[0] if export is not None else None)
        elif kind in _TYPE_DECLARATIONS or kind in _NAMESPACES:
            self.type_declaration(inner)
            if export is not None and kind in _TYPE_DECLARATIONS:
                self.collector.is_module = True
                self.collector.type_exports += 1
        elif kind in _CLASSES:
            name = inner.child_by_field_name("name")
            if name is not None:
                self.collector.bind(self.name(name), None, statement, lexical=True, offset=self.pos(name.start_byte))
                if export is not None:
                    self.collector.export_name(self.name(name), export[0])

    def export_statement(self, node: Any, statement: int) -> None:
        collector, pos = self.collector, self.pos
        offset = pos(node.start_byte)
        kinds = [child.type for child in node.children]
        if "=" in kinds:  # `export = x`: CommonJS
            collector.commonjs_export = True
            return
        if "namespace" in kinds and "as" in kinds:  # `export as namespace X`: a UMD global
            return
        if "import" in kinds:  # `export import A = B.C`
            return
        clause = next((child for child in node.children if child.type == "export_clause"), None)
        if "type" in kinds:  # `export type { A, B } [from 'm']`
            collector.is_module = True
            if clause is not None:
                collector.type_exports += sum(1 for c in clause.children if c.type == "export_specifier")
            return
        if clause is not None:
            self.export_specifiers(node, clause, statement)
            return
        declaration = node.child_by_field_name("declaration")
        is_default = "default" in kinds
        if declaration is None:
            declaration = next((c for c in node.named_children if c.type == "function_signature"), None)
        if declaration is not None:
            kind = declaration.type
            if kind in _TYPE_DECLARATIONS:
                self.type_declaration(declaration)
                collector.type_exports += 1
                return
            if kind == "function_signature":
                self.signature(declaration, statement, export=(offset, is_default))
                return
            if kind == "ambient_declaration":
                self.ambient(declaration, statement, export=(offset, is_default))
                return
            if kind in _NAMESPACES:
                self.type_declaration(declaration)
                return
            if kind == "abstract_class_declaration":
                self.ambient(node, statement, export=(offset, is_default))
                return
            if kind in ("function_declaration", "generator_function_declaration") and self.implements(declaration):
                return
        super().export_statement(node, statement)

    def export_specifiers(self, node: Any, clause: Any, statement: int) -> None:
        """`export { a, b as c, type T }` read from the tree (the grammar knows `type` specifiers)."""
        collector, pos = self.collector, self.pos
        has_source = node.child_by_field_name("source") is not None
        for specifier in clause.children:
            if specifier.type != "export_specifier":
                continue
            if any(child.type == "type" for child in specifier.children):
                collector.is_module = True
                collector.type_exports += 1
                continue
            name = specifier.child_by_field_name("name")
            alias = specifier.child_by_field_name("alias") or name
            if name is None:
                continue
            local, exported = self._specifier_name(name), self._specifier_name(alias)
            at = pos(alias.start_byte)
            if has_source:
                source = string_literal_value(self.text(node.child_by_field_name("source")))
                collector.re_export(exported, local, source, at)
            elif local in self.type_names and local not in self.overloads and not self.collector.is_bound(local):
                collector.is_module = True
                collector.type_exports += 1
            else:
                export_type = DEFAULT if exported == "default" else NAMED
                collector.export_local(exported, local, export_type, at, statement, in_clause=True)

    def _specifier_name(self, node: Any) -> str:
        text = self.text(node)
        return text[1:-1] if node.type == "string" else identifier_name(text)

    def function_value(self, declarator: Any) -> Any:
        value = declarator.child_by_field_name("value")
        if value is None:
            # `declare const f: (a: A) => R`: a declared function value.
            annotation = declarator.child_by_field_name("type")
            inner = _annotated(annotation)
            return inner if inner is not None and inner.type == "function_type" else None
        value = _unparenthesized(value)
        while value.type in _VALUE_WRAPPERS:
            value = _unparenthesized(value.named_children[0])
        return value

    # --- functions ------------------------------------------------------------------------------------

    def factory_callees(self, function: Any) -> Factory | None:
        """Overload signatures have no body: no factory (what they return is a type)."""
        return None if isinstance(function, _Overloads) else super().factory_callees(function)

    def describe(self, function: Any) -> FunctionShape:
        if isinstance(function, _Overloads):
            if len(function.signatures) == 1:
                return self.describe(function.signatures[0][0])
            # Each signature's shape, with its own JSDoc.
            shapes = [
                replace(self.describe(node), jsdoc_raw=self.collector.jsdoc_of(statement))
                for node, statement in function.signatures
            ]
            first = shapes[0]
            return FunctionShape(first.is_async, first.is_generator, first.params, overloads=tuple(shapes))
        params = tuple(param for param in map(self.param, parameter_nodes(function)) if param is not None)
        returns = function.child_by_field_name("return_type")
        type_parameters = function.child_by_field_name("type_parameters")
        return FunctionShape(
            is_async=is_async(function),
            is_generator=is_generator(function),
            params=params,
            return_annotation=self.type_text(returns) if returns is not None else None,
            type_parameters=normalize_type(self.text(type_parameters)) if type_parameters is not None else None,
            reads_arguments=_reads_arguments(function.child_by_field_name("body")),
        )

    def type_text(self, annotation: Any) -> str:
        """The type of a `: T` annotation (or a function type's return type), on one line."""
        text = self.text(annotation).lstrip()
        if annotation.type in ("type_annotation", "type_predicate_annotation", "asserts_annotation"):
            text = text[1:] if text.startswith(":") else text
        return normalize_type(text)

    def param(self, node: Any) -> ParamSyntax | None:  # type: ignore[override]
        if node.type not in _PARAMETERS:
            return super().param(node)
        pattern = node.child_by_field_name("pattern")
        if pattern is None or pattern.type == "this":
            return None  # `this: T` types the receiver; it is no parameter of the call
        annotation = node.child_by_field_name("type")
        value = node.child_by_field_name("value")
        is_rest = pattern.type == "rest_pattern"
        target = pattern
        if is_rest:
            target = next(child for child in pattern.named_children if child.type != "comment")
        source = self.text(target)
        identifier = identifier_name(source) if target.type == "identifier" else None
        default = None
        if value is not None:
            default = self.source[self.pos(value.start_byte) : self.pos(value.end_byte)]
        return ParamSyntax(
            source=source,
            identifier=identifier,
            default_source=default,
            is_rest=is_rest,
            annotation=self.type_text(annotation) if annotation is not None else None,
            is_optional=node.type == "optional_parameter",
        )


def _annotated(annotation: Any) -> Any:
    """The type node of a `: T` annotation."""
    if annotation is None:
        return None
    return next((child for child in annotation.named_children if child.type != "comment"), None)
